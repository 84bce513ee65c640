"""The member table (conformance/members.py) and what its readers take from it.

The names the oracle, the class declarations and the reference server read are pinned here,
so a change to the table that moves a class or a member check shows as a failure.
"""

from __future__ import annotations

import pytest

from conformance import class_shape, members
from conformance.members import MEMBERS, holds
from conformance.wire.query_form import SEND_EMAIL_SHAPE


def test_the_derived_names_are_those_the_readers_had() -> None:
    assert ("Source", "Destination", "Message") == members.TOP_LEVEL_REQUIRED
    assert (
        "ReplyToAddresses",
        "ReturnPath",
        "Tags",
        "ConfigurationSetName",
        "SourceArn",
        "ReturnPathArn",
    ) == members.TOP_LEVEL_OPTIONAL
    assert ("ToAddresses", "CcAddresses", "BccAddresses") == members.DESTINATION_LISTS
    assert ("Subject", "Body") == members.MESSAGE_MEMBERS
    assert ("Text", "Html") == members.BODY_PARTS
    assert ("Data", "Charset") == members.CONTENT_MEMBERS
    assert ("Name", "Value") == members.TAG_MEMBERS
    assert ["top level", "Destination", "Message", "Message.Body", "Message.Subject"] == list(
        members.KNOWN
    )


def test_the_nested_shape_is_the_query_wires() -> None:
    assert dict(SEND_EMAIL_SHAPE) == dict(members.SEND_EMAIL_SHAPE)


def test_the_shape_classes_keep_their_paths_and_order() -> None:
    assert (
        "Source",
        "Destination",
        "Message",
        "Message.Subject",
        "Message.Body",
        "Message.Subject.Data",
        "Message.Body.Text.Data",
        "Message.Body.Html.Data",
    ) == class_shape.REQUIRED
    assert (
        "ReplyToAddresses",
        "Tags",
        "ReturnPath",
        "ConfigurationSetName",
        "SourceArn",
        "ReturnPathArn",
        "Message.Subject.Charset",
        "Message.Body.Text.Charset",
        "Message.Body.Html.Charset",
    ) == class_shape.OPTIONAL
    assert (
        "Destination.ToAddresses",
        "Destination.CcAddresses",
        "Destination.BccAddresses",
        "ReplyToAddresses",
        "Tags",
    ) == class_shape.LIST_PATHS
    objects = ("Destination", "Message", "Message.Subject", "Message.Body")
    assert (*objects, "Message.Body.Text", "Message.Body.Html") == class_shape.OBJECT_PATHS
    assert ("Destination.ToAddresses", "ReplyToAddresses", "Tags") == class_shape.ELEMENT_PATHS
    assert 11 == len(class_shape.STRING_PATHS)
    assert set(class_shape.WRONG_TYPE_PATHS) <= set(MEMBERS)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("Source", "a@b.example", True),
        ("Source", 5, False),
        ("Destination", {}, True),
        ("Destination", [], False),
        ("Destination.CcAddresses", ["a@b.example"], True),
        ("Destination.CcAddresses", ["a@b.example", 5], False),
        ("Destination.CcAddresses", "a@b.example", False),
        ("Tags", [{"Name": "n"}], True),
        ("Tags", ["n"], False),
        ("Message.Subject.Charset", None, False),
    ],
)
def test_holds_reads_type_and_items(path: str, value: object, expected: bool) -> None:
    assert expected == holds(path, value)
