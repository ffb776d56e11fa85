# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Paged reads of Losant listings: page 0 tells ``totalCount`` and the page
size the server answers with, the other pages are read ``workers`` at a
time, and the whole is checked before anyone relies on it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.losant.platform.plugins.module_utils._pacing import in_threads

# The most a page may hold (older Losant docs); Losant's current default is
# 100. Paging never trusts either number: it pages by what page 0 held.
MAX_PER_PAGE = 1000
# A stable order, so that the pages of one listing neither overlap nor skip
# an item while nothing changes; Losant's ids grow with creation time, so new
# items land on the last page.
STABLE_ORDER = {"sortField": "id", "sortDirection": "asc"}
# A listing that changes while it is read is read again, at most this often in all.
READ_ATTEMPTS = 3
# What a later page that repeats page 0 item for item shows: a proxy or gateway that drops `page`.
REPEATS_PAGE_0 = " held the same items as page 0"


def first_page_params(params=None):
    """The query parameters of page 0 of a listing (the most a page may hold, in a stable order)."""
    params = dict(params or {})
    params.setdefault("perPage", MAX_PER_PAGE)
    params.update(STABLE_ORDER, page=0)
    return params


def list_all(client, path, params=None, first_page=None, workers=1):
    """Every item of a listing, each once, or an error before anything relies on a partial read.

    ``first_page`` is the body of page 0 when the caller has read it already
    (with first_page_params()). After page 0, pages of the size it held are
    read ``workers`` at a time. When the pages disagree on ``totalCount``,
    repeat an item or miss one (items were added or deleted meanwhile), the
    whole listing is read again, up to READ_ATTEMPTS times in all; then
    LosantApiError says so.
    """
    params = first_page_params(params)
    problems = []
    for attempt in range(READ_ATTEMPTS):
        if attempt or first_page is None:
            first_page = client.request("GET", path, params=params)
        items, problem = _read_rest(client, path, params, first_page, workers)
        if problem is None:
            return items
        problems.append(problem)
    if all(problem.endswith(REPEATS_PAGE_0) for problem in problems):
        raise client.api_error("GET", path, "every read of the listing repeated page 0 on a later page (%s); "
                                            "something between here and Losant seems to drop the page parameter: "
                                            "check api_url and any proxy or gateway on the way; nothing was written"
                               % "; ".join(problems))
    raise client.api_error("GET", path, "the listing changed while it was read, on each of %d reads (%s); nothing "
                                        "was written: run the task again once the users and groups stop changing"
                           % (READ_ATTEMPTS, "; ".join(problems)))


def _read_rest(client, path, params, first_page, workers):
    """(every item, None), or (None, what was wrong) when the pages do not add up."""
    size = len(first_page.get("items") or [])
    total = first_page.get("totalCount", size)
    if size >= total:
        return merge_pages([first_page], total)
    if size == 0:
        return None, "page 0 held no item of %d" % total
    pages = in_threads(lambda page: client.request("GET", path, params=dict(params, perPage=size, page=page)),
                       range(1, int(math.ceil(float(total) / size))), workers)
    return merge_pages([first_page] + pages, total)


def merge_pages(bodies, total):
    """Pure: (the items of the pages merged by id, None), or (None, the problem)
    when the pages do not hold exactly ``total`` distinct items."""
    totals = sorted(set(body.get("totalCount", total) for body in bodies) - set([total]))
    first_ids = _item_ids(bodies[0])
    for number, body in enumerate(bodies[1:], 1):
        if first_ids and _item_ids(body) == first_ids:
            return None, "page %d%s" % (number, REPEATS_PAGE_0)
    items = []
    seen = set()
    repeated = 0
    for body in bodies:
        for item in body.get("items") or []:
            key = _item_key(item)
            if key in seen:
                repeated += 1
                continue
            seen.add(key)
            items.append(item)
    if totals:
        return None, "totalCount was %d on page 0, then %s" % (total, ", ".join(str(value) for value in totals))
    if repeated or len(items) != total:
        return None, "%d distinct items of %d%s" % (len(items), total, ", %d seen twice" % repeated if repeated else "")
    return items, None


def _item_key(item):
    return str(item.get("id")).lower()


def _item_ids(body):
    return [_item_key(item) for item in body.get("items") or []]
