"""The catalog list's counting, ordering and paging, over a snapshot of the published products
held in each process.

Exact facet counts over tens of thousands of matching products cost the database a pass over
every matching row per request (tens of milliseconds on two cores). Here each process keeps the
few columns the facets and sorts read, as arrays, and rebuilds them when the catalog's
``SearchRevision`` token changes (every product or use write changes it, in its transaction).
The words are still matched by the database (the GIN index on PostgreSQL, LIKE on SQLite), one
stem at a time; each stem's products are kept until the next revision. A request then costs one
read of the token, the stems not yet seen, and array arithmetic.

The rules are those of the SQL in catalog.selectors (``search_products``), which stays the
reference: the tests compare the two on both databases."""

import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from govtech.catalog.models import (
    AccreditationState,
    Category,
    Deployment,
    PriceBand,
    Product,
    ProductStatus,
    ProductUse,
    SearchRevision,
    price_band_of,
)
from govtech.core.fulltext import holding_stem
from govtech.core.stemming import stems

MAX_QUERY_STEMS = 20  # as core.fulltext.search_by_stems
MAX_CACHED_STEMS = 2000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Codes of the facet values: positions in these tuples.
CATEGORIES = tuple(Category.values)
PRICE_BANDS = tuple(PriceBand.values)
DEPLOYMENTS = tuple(Deployment.values)
STATES = tuple(AccreditationState.values)


def _codes(values, allowed: tuple) -> np.ndarray:
    lookup = {value: code for code, value in enumerate(allowed)}
    return np.fromiter((lookup.get(value, -1) for value in values), dtype=np.int16, count=len(values))


@dataclass
class Snapshot:
    token: object
    ids: np.ndarray  # product ids, ascending; a product's position indexes every other array
    category: np.ndarray
    trl: np.ndarray
    price_band: np.ndarray
    deployment: np.ndarray
    accredited_until: np.ndarray  # proleptic ordinal of the date, 0 when never accredited
    open_application: np.ndarray
    by_newest: np.ndarray  # positions, newest first (published_at, then id, descending)
    by_rating: np.ndarray  # positions, best rated first, unrated last, then id descending
    by_rating_newest: np.ndarray  # best rated first, then newest, then id descending
    rank_rating: np.ndarray  # each position's place in by_rating
    use_product: np.ndarray  # positions of used products, one per (product, agency)
    use_agency: np.ndarray  # the agency of each
    stems: dict = field(default_factory=dict)  # stem -> sorted positions of the products holding it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return len(self.ids)

    def positions_of(self, ids) -> np.ndarray:
        """Positions of those ids that are in the snapshot (a product published since is skipped
        until the next revision)."""
        ids = np.asarray(ids, dtype=np.int64)
        where = np.searchsorted(self.ids, ids)
        inside = where < len(self.ids)
        where, ids = where[inside], ids[inside]
        return np.unique(where[self.ids[where] == ids])

    def stem_positions(self, stem: str) -> np.ndarray:
        found = self.stems.get(stem)
        if found is None:
            published = Product.objects.filter(status=ProductStatus.PUBLISHED)
            ids = holding_stem(published, "search_stems", stem).order_by().values_list("pk", flat=True)
            found = self.positions_of(list(ids))
            with self.lock:
                if len(self.stems) >= MAX_CACHED_STEMS:
                    self.stems.clear()
                self.stems[stem] = found
        return found

    def accreditation(self, today: dt.date) -> np.ndarray:
        """Each product's accreditation state on that day, as a code (catalog.models.accreditation_state)."""
        valid = self.accredited_until >= today.toordinal()
        never = self.accredited_until == 0
        state = np.where(never, STATES.index(AccreditationState.NONE), STATES.index(AccreditationState.EXPIRED))
        state = np.where(~valid & self.open_application, STATES.index(AccreditationState.IN_REVIEW), state)
        return np.where(valid, STATES.index(AccreditationState.ACCREDITED), state).astype(np.int16)


def build(token) -> Snapshot:
    rows = list(
        Product.objects.filter(status=ProductStatus.PUBLISHED)
        .order_by("pk")
        .values_list(
            "pk",
            "category",
            "trl",
            "price_from",
            "deployment",
            "accredited_until",
            "has_open_application",
            "rating",
            "published_at",
        )
    )
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    rating = np.array([float(row[7]) if row[7] is not None else -1.0 for row in rows], dtype=np.float64)
    published = np.fromiter((_microseconds(row[8]) for row in rows), dtype=np.int64, count=len(rows))
    # np.lexsort sorts by the last key first, ascending: negate for descending orders.
    by_newest = np.lexsort((-ids, -published))
    by_rating = np.lexsort((-ids, -rating))
    rank_rating = np.empty(len(ids), dtype=np.int64)
    rank_rating[by_rating] = np.arange(len(ids))
    snapshot = Snapshot(
        token=token,
        ids=ids,
        category=_codes([row[1] for row in rows], CATEGORIES),
        trl=np.fromiter((row[2] for row in rows), dtype=np.int16, count=len(rows)),
        price_band=_codes([price_band_of(row[3]) for row in rows], PRICE_BANDS),
        deployment=_codes([row[4] for row in rows], DEPLOYMENTS),
        accredited_until=np.fromiter(
            (row[5].toordinal() if row[5] else 0 for row in rows), dtype=np.int64, count=len(rows)
        ),
        open_application=np.fromiter((row[6] for row in rows), dtype=bool, count=len(rows)),
        by_newest=by_newest,
        by_rating=by_rating,
        by_rating_newest=np.lexsort((-ids, -published, -rating)),
        rank_rating=rank_rating,
        use_product=np.empty(0, dtype=np.int64),
        use_agency=np.empty(0, dtype=np.int64),
    )
    uses = ProductUse.objects.filter(product__status=ProductStatus.PUBLISHED).values_list("product_id", "agency_id")
    uses = np.array(list(uses.order_by().distinct()), dtype=np.int64).reshape(-1, 2)
    where = np.searchsorted(ids, uses[:, 0]).clip(max=max(len(ids) - 1, 0))
    known = ids[where] == uses[:, 0] if len(ids) else np.zeros(len(uses), dtype=bool)
    snapshot.use_product, snapshot.use_agency = where[known], uses[known, 1]
    return snapshot


def _microseconds(moment: dt.datetime | None) -> int:
    if moment is None:
        return 0
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


_current: Snapshot | None = None
_building = threading.Lock()


def snapshot() -> Snapshot:
    """This process's snapshot at the catalog's current revision (one query when it is current)."""
    global _current
    token = SearchRevision.current()
    current = _current
    if current is not None and current.token == token:
        return current
    with _building:
        if _current is None or _current.token != token:
            _current = build(token)
        return _current


def query_stems(text: str) -> list[str]:
    return stems(text)[:MAX_QUERY_STEMS]


@dataclass
class Evaluation:
    """One query on one snapshot: which products match the words, and each facet's filter."""

    snapshot: Snapshot
    text: np.ndarray | None  # products matching the words (None: no words asked)
    matched: np.ndarray | None  # how many of the words each holds, when any word will do
    filters: dict  # facet -> products passing its filter (None: not filtered)
    states: np.ndarray  # accreditation state codes on the day

    @cached_property
    def matching(self) -> np.ndarray:
        """Products passing the words and every filter: the results."""
        return self.passing()

    def passing(self, *, except_facet: str | None = None) -> np.ndarray:
        mask = np.ones(len(self.snapshot), dtype=bool) if self.text is None else self.text.copy()
        for name, condition in self.filters.items():
            if name != except_facet and condition is not None:
                mask &= condition
        return mask

    def value_counts(self, facet: str, size: int) -> np.ndarray:
        codes = self.states if facet == "accreditation" else getattr(self.snapshot, facet)
        codes = codes[self.passing(except_facet=facet)]
        return np.bincount(codes[codes >= 0], minlength=size)  # -1: a value no longer among the choices

    def agency_counts(self) -> dict[int, int]:
        """Per agency, how many of the products passing every other filter it used."""
        used = self.passing(except_facet="used_by")[self.snapshot.use_product]
        agencies, counts = np.unique(self.snapshot.use_agency[used], return_counts=True)
        return dict(zip(agencies.tolist(), counts.tolist(), strict=True))

    def ordered_ids(self, sort: str) -> np.ndarray:
        snap = self.snapshot
        mask = self.matching
        if sort == "relevance" and self.matched is not None:
            chosen = np.flatnonzero(mask)
            order = chosen[np.lexsort((snap.rank_rating[chosen], -self.matched[chosen]))]
        elif sort == "relevance" and self.text is not None:
            order = snap.by_rating_newest[mask[snap.by_rating_newest]]
        elif sort == "rating":
            order = snap.by_rating[mask[snap.by_rating]]
        else:
            order = snap.by_newest[mask[snap.by_newest]]
        return snap.ids[order]


def evaluate(snap: Snapshot, *, text: str, filters: dict, today: dt.date) -> Evaluation:
    """``filters``: facet -> chosen values (empty: not filtered), as catalog.selectors.CatalogQuery holds them."""
    states = snap.accreditation(today)
    text_mask = matched = None
    if text:
        text_mask, matched = _text_match(snap, text)
    masks = {}
    for name, values in filters.items():
        masks[name] = _facet_mask(snap, name, values, states) if values else None
    return Evaluation(snap, text_mask, matched, masks, states)


def _text_match(snap: Snapshot, text: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Products holding every stem; when none does, those holding any, with how many."""
    wanted = list(dict.fromkeys(query_stems(text)))
    counts = np.zeros(len(snap), dtype=np.int16)
    for stem in wanted:
        counts[snap.stem_positions(stem)] += 1
    if not wanted:
        return counts > 0, None
    every = counts == len(wanted)
    if every.any():
        return every, None
    return counts > 0, counts


def _facet_mask(snap: Snapshot, name: str, values: list, states: np.ndarray) -> np.ndarray:
    if name == "used_by":
        mask = np.zeros(len(snap), dtype=bool)
        mask[snap.use_product[np.isin(snap.use_agency, values)]] = True
        return mask
    if name == "trl":
        return np.isin(snap.trl, values)
    allowed = {"category": CATEGORIES, "price_band": PRICE_BANDS, "deployment": DEPLOYMENTS, "accreditation": STATES}
    codes = [allowed[name].index(value) for value in values]
    column = states if name == "accreditation" else getattr(snap, name)
    return np.isin(column, codes)
