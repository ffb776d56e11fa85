# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Paged reads of Losant listings: every page until ``totalCount`` items are read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Losant answers at most 1000 items a page; asking for the most keeps listings
# to one request for most applications. Paging never trusts this number.
MAX_PER_PAGE = 1000


def list_all(client, path, params=None, first_page=None):
    """Read every page of a listing; page until ``totalCount`` items are read.

    ``first_page`` is the body of page 0 when the caller has read it already.
    """
    params = dict(params or {})
    params.setdefault("perPage", MAX_PER_PAGE)
    items = []
    page = 0
    while True:
        params["page"] = page
        body = first_page if page == 0 and first_page is not None else client.request("GET", path, params=params)
        batch = body.get("items") or []
        items.extend(batch)
        if not batch or len(items) >= body.get("totalCount", 0):
            return items
        page += 1
