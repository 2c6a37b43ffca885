"""The per-IP key: IPv4 as is, IPv6 by /64, IPv6 forms that embed IPv4 as that IPv4."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from django_sms2fa.limits import client_ip, ip_key


@pytest.mark.parametrize(
    "ip, key",
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        # An IPv4 client of a dual-stack socket ([::]).
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::ffff:cb00:7107", "203.0.113.7"),
        # NAT64, well-known prefix.
        ("64:ff9b::203.0.113.7", "203.0.113.7"),
        # 6to4: 2002:cb00:7107::/48 belongs to the host 203.0.113.7.
        ("2002:cb00:7107:1::1", "203.0.113.7"),
        ("2002:cb00:7107:ffff::1", "203.0.113.7"),
        # Teredo: the client's public address is the last 32 bits, inverted.
        ("2001:0:4136:e378:8000:63bf:34ff:8ef8", "203.0.113.7"),
        ("not an address", "not an address"),
    ],
)
def test_ip_key(ip, key):
    assert ip_key(ip) == key


def test_ipv4_clients_of_a_dual_stack_socket_are_counted_apart():
    assert ip_key("::ffff:198.51.100.1") != ip_key("::ffff:198.51.100.2")


def test_an_ipv4_mapped_remote_addr_is_logged_as_ipv4():
    request = RequestFactory().get("/", REMOTE_ADDR="::ffff:198.51.100.1")
    assert client_ip(request) == "198.51.100.1"
