/*
 * dataset — see dataset.h.
 *
 * Columns grow by doubling with realloc: past a few MB glibc serves them
 * with mmap and grows them with mremap, so growth neither copies nor
 * touches pages that are not yet used. Appending parts runs in three phases:
 * text fields are re-interned one field per thread, heads are re-interned in
 * part order (one thread: their ids must follow input order), and lines are
 * copied part by part in parallel into slots sized up front.
 */
#include "engine/dataset.h"

#include "engine/radix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[DS_NTEXT] = {
    "order_id", "customer_id", "product_id", "channel", "category", "region",
    "account_id"
};

const char *dataset_field_name(enum ds_text f)
{
    return field_names[f];
}

struct dataset *dataset_create(void)
{
    struct dataset *ds = calloc(1, sizeof *ds);
    if (ds == NULL)
        return NULL;
    for (int f = 0; f < DS_NTEXT; f++) {
        ds->text[f] = strtab_create();
        if (ds->text[f] == NULL) {
            dataset_free(ds);
            return NULL;
        }
    }
    ds->last_head = DS_NONE;
    return ds;
}

void dataset_free(struct dataset *ds)
{
    if (ds == NULL)
        return;
    for (int f = 0; f < DS_NTEXT; f++)
        strtab_free(ds->text[f]);
    free(ds->h_order);
    free(ds->h_customer);
    free(ds->h_account);
    free(ds->h_day);
    free(ds->h_region);
    free(ds->h_channel);
    free(ds->h_slots);
    free(ds->l_head);
    free(ds->l_product);
    free(ds->l_product16);
    free(ds->p_category);
    free(ds->p_mixed);
    free(ds->xcat_line);
    free(ds->xcat_val);
    free(ds->l_qty);
    free(ds->l_disc);
    free(ds->l_net);
    free(ds->l_cogs);
    free(ds->big_line);
    free(ds->big_val);
    free(ds->unsure_line);
    free(ds->last_text);
    free(ds);
}

void dataset_clear(struct dataset *ds)
{
    for (int f = 0; f < DS_NTEXT; f++)
        strtab_clear(ds->text[f]);
    if (ds->h_nslots)
        memset(ds->h_slots, 0xff, ds->h_nslots * sizeof *ds->h_slots);
    ds->n_heads = 0;
    ds->n_lines = 0;
    ds->n_big = 0;
    ds->n_unsure = 0;
    ds->n_pcat = 0;
    ds->n_xcat = 0;
    ds->last_head = DS_NONE;
}

/* Grows *p to hold n elements of size sz; returns 0 or -1. */
static int grow(void *pp, size_t n, size_t sz)
{
    void **p = pp;
    void *q = realloc(*p, n * sz);
    if (q == NULL)
        return -1;
    *p = q;
    return 0;
}

static int reserve_lines(struct dataset *ds, size_t need)
{
    if (need <= ds->cap_lines)
        return 0;
    size_t c = ds->cap_lines ? ds->cap_lines : 1024;
    while (c < need)
        c *= 2;
    if (grow(&ds->l_head, c, sizeof *ds->l_head) || grow(&ds->l_product, c, sizeof *ds->l_product) ||
        grow(&ds->l_qty, c, sizeof *ds->l_qty) ||
        grow(&ds->l_disc, c, sizeof *ds->l_disc) || grow(&ds->l_net, c, sizeof *ds->l_net) ||
        grow(&ds->l_cogs, c, sizeof *ds->l_cogs))
        return -1;
    ds->cap_lines = c;
    return 0;
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static inline uint64_t head_hash(uint64_t order, uint32_t cust, uint32_t acct, int32_t day,
                                 uint16_t region, uint8_t chan)
{
    uint64_t a = order ^ ((uint64_t)cust * 0x9e3779b97f4a7c15ull);
    uint64_t b = ((uint64_t)acct << 32) | (uint32_t)day;
    uint64_t c = ((uint64_t)region << 8) | chan;
    return mix64(a ^ mix64(b ^ mix64(c)));
}

#define SLOT_EMPTY UINT64_MAX

static int head_rehash(struct dataset *ds)
{
    size_t n = ds->h_nslots ? ds->h_nslots * 2 : 1024;
    while (n * 7 < (ds->n_heads + 1) * 10)   /* after dataset_seal */
        n *= 2;
    uint64_t *s = malloc(n * sizeof *s);
    if (s == NULL)
        return -1;
    memset(s, 0xff, n * sizeof *s);
    for (size_t h = 0; h < ds->n_heads; h++) {
        uint64_t hv = head_hash(ds->h_order[h], ds->h_customer[h], ds->h_account[h], ds->h_day[h],
                                ds->h_region[h], ds->h_channel[h]);
        size_t i = hv & (n - 1);
        while (s[i] != SLOT_EMPTY)
            i = (i + 1) & (n - 1);
        s[i] = (hv >> 32) << 32 | h;
    }
    free(ds->h_slots);
    ds->h_slots = s;
    ds->h_nslots = n;
    return 0;
}

/* The head id of this combination, inserted when new; DS_NONE on failure.
   A slot keeps the high half of the hash beside the id, so that a probe
   touches the head columns only when the hashes agree. */
static uint32_t head_intern(struct dataset *ds, uint64_t hv, uint64_t order, uint32_t cust,
                            uint32_t acct, int32_t day, uint16_t region, uint8_t chan)
{
    if ((ds->n_heads + 1) * 10 > ds->h_nslots * 7) {
        if (ds->n_heads >= DS_NONE - 1 || head_rehash(ds))
            return DS_NONE;
    }
    size_t mask = ds->h_nslots - 1;
    uint64_t tag = (hv >> 32) << 32;
    size_t i = hv & mask;
    for (;; i = (i + 1) & mask) {
        uint64_t sl = ds->h_slots[i];
        if (sl == SLOT_EMPTY)
            break;
        uint32_t h = (uint32_t)sl;
        if ((sl & 0xffffffff00000000ull) == tag && ds->h_order[h] == order && ds->h_customer[h] == cust &&
            ds->h_account[h] == acct && ds->h_day[h] == day && ds->h_region[h] == region &&
            ds->h_channel[h] == chan)
            return h;
    }
    if (ds->n_heads == ds->cap_heads) {
        size_t c = ds->cap_heads ? ds->cap_heads * 2 : 256;
        if (grow(&ds->h_order, c, sizeof *ds->h_order) || grow(&ds->h_customer, c, sizeof *ds->h_customer) ||
            grow(&ds->h_account, c, sizeof *ds->h_account) || grow(&ds->h_day, c, sizeof *ds->h_day) ||
            grow(&ds->h_region, c, sizeof *ds->h_region) || grow(&ds->h_channel, c, sizeof *ds->h_channel))
            return DS_NONE;
        ds->cap_heads = c;
    }
    uint32_t h = (uint32_t)ds->n_heads++;
    ds->h_order[h] = order;
    ds->h_customer[h] = cust;
    ds->h_account[h] = acct;
    ds->h_day[h] = day;
    ds->h_region[h] = region;
    ds->h_channel[h] = chan;
    ds->h_slots[i] = tag | h;
    return h;
}

/* Limits of the narrow id columns. */
static int check_limit(enum ds_text f, uint32_t id, struct cx_err *e)
{
    if (f == DS_CHANNEL && id >= DS_MAX_CHANNELS)
        return cx_fail(e, CX_EIO, "more than %d distinct channels: is the channel column right?",
                       DS_MAX_CHANNELS - 1);
    if ((f == DS_CATEGORY || f == DS_REGION) && id >= DS_MAX_SMALL)
        return cx_fail(e, CX_EIO, "more than %d distinct values of %s", DS_MAX_SMALL - 1,
                       field_names[f]);
    return CX_OK;
}

/* x in ten-thousandths when that is exact to the double's precision and
   fits in 32 bits; DS_MONEY_BIG otherwise. */
static int32_t to_units(double x)
{
    double s = x * DS_MONEY_SCALE, r = nearbyint(s);
    if (!(fabs(r) < (double)INT32_MAX) || fabs(s - r) > 1e-6 + fabs(s) * 1e-15)
        return DS_MONEY_BIG;
    return (int32_t)r;
}

static int add_big(struct dataset *ds, uint64_t line, double net, double cogs, double disc)
{
    if (ds->n_big == ds->cap_big) {
        size_t c = ds->cap_big ? ds->cap_big * 2 : 64;
        if (grow(&ds->big_line, c, sizeof *ds->big_line) || grow(&ds->big_val, c * 3, sizeof *ds->big_val))
            return -1;
        ds->cap_big = c;
    }
    ds->big_line[ds->n_big] = line;
    ds->big_val[3 * ds->n_big] = net;
    ds->big_val[3 * ds->n_big + 1] = cogs;
    ds->big_val[3 * ds->n_big + 2] = disc;
    ds->n_big++;
    return 0;
}

static int add_unsure(struct dataset *ds, uint64_t line)
{
    if (ds->n_unsure == ds->cap_unsure) {
        size_t c = ds->cap_unsure ? ds->cap_unsure * 2 : 64;
        if (grow(&ds->unsure_line, c, sizeof *ds->unsure_line))
            return -1;
        ds->cap_unsure = c;
    }
    ds->unsure_line[ds->n_unsure++] = line;
    return 0;
}

/* Sets the category of product p, new in ds (p == ds->n_pcat). */
static int set_product_category(struct dataset *ds, uint32_t p, uint16_t cat)
{
    if (p >= ds->cap_pcat) {
        size_t c = ds->cap_pcat ? ds->cap_pcat * 2 : 256;
        while (c <= p)
            c *= 2;
        if (grow(&ds->p_category, c, sizeof *ds->p_category) || grow(&ds->p_mixed, c, sizeof *ds->p_mixed))
            return -1;
        ds->cap_pcat = c;
    }
    ds->p_category[p] = cat;
    ds->p_mixed[p] = 0;
    ds->n_pcat = (size_t)p + 1;
    return 0;
}

static int add_xcat(struct dataset *ds, uint64_t line, uint16_t cat)
{
    if (ds->n_xcat == ds->cap_xcat) {
        size_t c = ds->cap_xcat ? ds->cap_xcat * 2 : 64;
        if (grow(&ds->xcat_line, c, sizeof *ds->xcat_line) || grow(&ds->xcat_val, c, sizeof *ds->xcat_val))
            return -1;
        ds->cap_xcat = c;
    }
    ds->xcat_line[ds->n_xcat] = line;
    ds->xcat_val[ds->n_xcat] = cat;
    ds->n_xcat++;
    return 0;
}

uint16_t dataset_category_listed(const struct dataset *ds, size_t i)
{
    size_t lo = 0, hi = ds->n_xcat;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ds->xcat_line[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ds->n_xcat && ds->xcat_line[lo] == i ? ds->xcat_val[lo] : ds->p_category[dataset_product(ds, i)];
}

double dataset_big(const struct dataset *ds, size_t line, enum ds_money which)
{
    size_t lo = 0, hi = ds->n_big;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ds->big_line[mid] < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ds->n_big && ds->big_line[lo] == line ? ds->big_val[3 * lo + which] : NAN;
}

/* The fields that make a head, apart from the day. */
static const int head_fields[] = { DS_ORDER, DS_CUSTOMER, DS_CHANNEL, DS_REGION, DS_ACCOUNT };
#define N_HEAD_FIELDS (sizeof head_fields / sizeof *head_fields)

/* Whether row has the head fields of the previous dataset_add, compared as
   text: the lines of one order usually follow each other, and then five of
   the seven text fields need no hashing at all. */
static int same_head_text(const struct dataset *ds, const struct ds_row *row)
{
    if (ds->last_head == DS_NONE || ds->h_day[ds->last_head] != row->day)
        return 0;
    const char *p = ds->last_text;
    for (size_t k = 0; k < N_HEAD_FIELDS; k++) {
        int f = head_fields[k];
        if (row->len[f] != ds->last_len[f] || memcmp(row->text[f], p, row->len[f]) != 0)
            return 0;
        p += row->len[f];
    }
    return 1;
}

static int keep_head_text(struct dataset *ds, const struct ds_row *row)
{
    size_t need = 0;
    for (size_t k = 0; k < N_HEAD_FIELDS; k++)
        need += row->len[head_fields[k]];
    if (need > ds->last_cap) {
        size_t cap = need < 256 ? 256 : need * 2;
        char *t = realloc(ds->last_text, cap);
        if (t == NULL)
            return -1;
        ds->last_text = t;
        ds->last_cap = cap;
    }
    char *p = ds->last_text;
    for (size_t k = 0; k < N_HEAD_FIELDS; k++) {
        int f = head_fields[k];
        if (row->len[f])
            memcpy(p, row->text[f], row->len[f]);
        ds->last_len[f] = row->len[f];
        p += row->len[f];
    }
    return 0;
}

/* The id of row's text in field f (DS_NONE when absent and optional). */
static int intern_field(struct dataset *ds, const struct ds_row *row, int f, uint32_t *id,
                        struct cx_err *e)
{
    if (row->len[f] == 0 && f != DS_PRODUCT && f != DS_CHANNEL) {
        *id = DS_NONE;
        return CX_OK;
    }
    *id = strtab_intern(ds->text[f], row->text[f], row->len[f], strtab_hash(row->text[f], row->len[f]));
    if (*id == STRTAB_NONE)
        return cx_nomem(e, "string table");
    return check_limit((enum ds_text)f, *id, e);
}

int dataset_add(struct dataset *ds, const struct ds_row *row, struct cx_err *e)
{
    int rc;
    uint32_t h = ds->last_head, prod, cat;
    if (ds->finished)
        return cx_fail(e, CX_EINTERNAL, "dataset: a line added after dataset_finish");
    if (!same_head_text(ds, row)) {
        uint32_t id[DS_NTEXT];
        for (size_t k = 1; k < N_HEAD_FIELDS; k++)   /* the order id is not interned */
            if ((rc = intern_field(ds, row, head_fields[k], &id[head_fields[k]], e)) != CX_OK)
                return rc;
        uint64_t order = strtab_hash(row->text[DS_ORDER], row->len[DS_ORDER]);
        uint16_t region = id[DS_REGION] == DS_NONE ? DS_NONE16 : (uint16_t)id[DS_REGION];
        h = head_intern(ds, head_hash(order, id[DS_CUSTOMER], id[DS_ACCOUNT], row->day, region,
                                      (uint8_t)id[DS_CHANNEL]),
                        order, id[DS_CUSTOMER], id[DS_ACCOUNT], row->day, region,
                        (uint8_t)id[DS_CHANNEL]);
        if (h == DS_NONE || keep_head_text(ds, row))
            return cx_nomem(e, "order table");
        ds->last_head = h;
    }
    if ((rc = intern_field(ds, row, DS_PRODUCT, &prod, e)) != CX_OK ||
        (rc = intern_field(ds, row, DS_CATEGORY, &cat, e)) != CX_OK)
        return rc;
    if (reserve_lines(ds, ds->n_lines + 1))
        return cx_nomem(e, "line columns");
    size_t i = ds->n_lines++;
    ds->l_head[i] = h;
    ds->l_product[i] = prod;
    uint16_t c16 = cat == DS_NONE ? DS_NONE16 : (uint16_t)cat;
    if (prod == ds->n_pcat) {
        if (set_product_category(ds, prod, c16))
            return cx_nomem(e, "product table");
    } else if (ds->p_category[prod] != c16) {
        if (add_xcat(ds, i, c16))
            return cx_nomem(e, "product table");
        ds->p_mixed[prod] = 1;
    }
    ds->l_qty[i] = (float)row->quantity;
    double disc = row->gross - row->net;
    int32_t n4 = to_units(row->net), c4 = to_units(row->cogs), d4 = to_units(disc);
    if (n4 == DS_MONEY_BIG || c4 == DS_MONEY_BIG || d4 == DS_MONEY_BIG) {
        if (add_big(ds, i, row->net, row->cogs, disc))
            return cx_nomem(e, "money column");
        n4 = c4 = d4 = DS_MONEY_BIG;
    }
    ds->l_net[i] = n4;
    ds->l_cogs[i] = c4;
    ds->l_disc[i] = d4;
    if (row->price_unsure && add_unsure(ds, i))
        return cx_nomem(e, "line columns");
    return CX_OK;
}

/* Re-interns every string of src's field f into dst; map[i] = dst id of src id i. */
static int remap_text(struct strtab *dst, const struct strtab *src, uint32_t *map)
{
    uint32_t n = strtab_count(src);
    for (uint32_t i = 0; i < n; i++) {
        if (i + 8 < n)
            strtab_prefetch(dst, strtab_hash32(src, i + 8));
        size_t len;
        const char *s = strtab_str(src, i, &len);
        map[i] = strtab_intern(dst, s, len, strtab_hash32(src, i));
        if (map[i] == STRTAB_NONE)
            return -1;
    }
    return 0;
}

static inline uint32_t map32(const uint32_t *m, uint32_t id)
{
    return id == DS_NONE ? DS_NONE : m[id];
}

static inline uint16_t map16(const uint32_t *m, uint16_t id)
{
    return id == DS_NONE16 ? DS_NONE16 : (uint16_t)m[id];
}

/* A head's key with its ids in the destination, and its hash. */
struct hkey {
    uint64_t hv, order;
    uint32_t cust, acct;
    int32_t day;
    uint16_t region;
    uint8_t chan;
};

int dataset_append(struct dataset *dst, struct dataset *const *parts, size_t n, struct cx_err *e)
{
    for (size_t p = 0; p < n; p++)
        if (dst->finished || parts[p]->finished)
            return cx_fail(e, CX_EINTERNAL, "dataset: appended to or from a dataset after dataset_finish");
    int rc = CX_OK;
    struct hkey *keys = NULL;
    size_t nkeys = 0;
    struct dataset *xc = NULL;   /* per part: its lines listed with another category */
    uint32_t **map = calloc(n * DS_NTEXT + n, sizeof *map);   /* [part][field], then heads */
    size_t *first = calloc(n + 1, sizeof *first);
    if (map == NULL || first == NULL) {
        rc = cx_nomem(e, "append maps");
        goto done;
    }
    for (size_t p = 0; p < n; p++) {
        for (int f = 0; f < DS_NTEXT; f++) {
            map[p * DS_NTEXT + f] = malloc(((size_t)strtab_count(parts[p]->text[f]) + 1) * sizeof **map);
            if (map[p * DS_NTEXT + f] == NULL) {
                rc = cx_nomem(e, "append maps");
                goto done;
            }
        }
        map[n * DS_NTEXT + p] = malloc((parts[p]->n_heads + 1) * sizeof **map);
        if (map[n * DS_NTEXT + p] == NULL) {
            rc = cx_nomem(e, "append maps");
            goto done;
        }
        first[p + 1] = first[p] + parts[p]->n_lines;
    }

    /* Phase 1: one text field per thread, parts in order within a field. */
    int fail = 0;
    #pragma omp parallel for schedule(dynamic, 1) reduction(|:fail)
    for (int f = 0; f < DS_NTEXT; f++)
        for (size_t p = 0; p < n && !fail; p++)
            fail |= remap_text(dst->text[f], parts[p]->text[f], map[p * DS_NTEXT + f]);
    if (fail) {
        rc = cx_nomem(e, "string table");
        goto done;
    }
    for (int f = DS_CHANNEL; f <= DS_REGION; f++)
        if (strtab_count(dst->text[f]) && (rc = check_limit((enum ds_text)f, strtab_count(dst->text[f]) - 1, e)))
            goto done;

    /* Categories of the products new to dst, from the part where each is
       first seen (parts in order, products in order of first appearance). */
    for (size_t p = 0; p < n; p++) {
        const struct dataset *s = parts[p];
        const uint32_t *pm = map[p * DS_NTEXT + DS_PRODUCT], *cm = map[p * DS_NTEXT + DS_CATEGORY];
        for (size_t l = 0; l < s->n_pcat; l++)
            if (pm[l] == dst->n_pcat && set_product_category(dst, pm[l], map16(cm, s->p_category[l]))) {
                rc = cx_nomem(e, "product table");
                goto done;
            }
    }

    /* Phase 2: heads in part order, so that their ids follow the input.
       Keys and hashes are made first, so that the index slot of a head a
       few places ahead can be fetched from memory while this one is placed:
       the index is far larger than the caches. */
    for (size_t p = 0; p < n; p++) {
        const struct dataset *s = parts[p];
        const uint32_t *const *m = (const uint32_t *const *)&map[p * DS_NTEXT];
        uint32_t *hm = map[n * DS_NTEXT + p];
        struct hkey *k = keys;
        if (s->n_heads > nkeys) {
            free(keys);
            nkeys = s->n_heads;
            if ((keys = malloc(nkeys * sizeof *keys)) == NULL) {
                rc = cx_nomem(e, "order table");
                goto done;
            }
        }
        k = keys;
        for (size_t h = 0; h < s->n_heads; h++) {
            k[h].order = s->h_order[h];
            k[h].cust = map32(m[DS_CUSTOMER], s->h_customer[h]);
            k[h].acct = map32(m[DS_ACCOUNT], s->h_account[h]);
            k[h].day = s->h_day[h];
            k[h].region = map16(m[DS_REGION], s->h_region[h]);
            k[h].chan = (uint8_t)m[DS_CHANNEL][s->h_channel[h]];
            k[h].hv = head_hash(k[h].order, k[h].cust, k[h].acct, k[h].day, k[h].region, k[h].chan);
        }
        for (size_t h = 0; h < s->n_heads; h++) {
            if (h + 8 < s->n_heads && dst->h_nslots)
                __builtin_prefetch(&dst->h_slots[k[h + 8].hv & (dst->h_nslots - 1)]);
            hm[h] = head_intern(dst, k[h].hv, k[h].order, k[h].cust, k[h].acct, k[h].day, k[h].region,
                                k[h].chan);
            if (hm[h] == DS_NONE) {
                rc = cx_nomem(e, "order table");
                goto done;
            }
        }
    }

    /* Phase 3: lines, each part into its own slice; then the amounts kept
       on the side, renumbered. */
    size_t base = dst->n_lines;
    for (size_t p = 0; p < n; p++)
        for (size_t b = 0; b < parts[p]->n_big; b++)
            if (add_big(dst, base + first[p] + parts[p]->big_line[b], parts[p]->big_val[3 * b],
                        parts[p]->big_val[3 * b + 1], parts[p]->big_val[3 * b + 2])) {
                rc = cx_nomem(e, "money column");
                goto done;
            }
    for (size_t p = 0; p < n; p++)
        for (size_t b = 0; b < parts[p]->n_unsure; b++)
            if (add_unsure(dst, base + first[p] + parts[p]->unsure_line[b])) {
                rc = cx_nomem(e, "line columns");
                goto done;
            }
    if (reserve_lines(dst, base + first[n])) {
        rc = cx_nomem(e, "line columns");
        goto done;
    }
    xc = calloc(n, sizeof *xc);
    if (xc == NULL) {
        rc = cx_nomem(e, "product table");
        goto done;
    }
    fail = 0;
    #pragma omp parallel for schedule(dynamic, 1) reduction(|:fail)
    for (size_t p = 0; p < n; p++) {
        const struct dataset *s = parts[p];
        const uint32_t *hm = map[n * DS_NTEXT + p];
        const uint32_t *pm = map[p * DS_NTEXT + DS_PRODUCT];
        const uint32_t *cm = map[p * DS_NTEXT + DS_CATEGORY];
        size_t o = base + first[p];
        for (size_t i = 0; i < s->n_lines; i++) {
            uint32_t g = pm[s->l_product[i]];
            uint16_t c = map16(cm, dataset_category(s, i));
            dst->l_head[o + i] = hm[s->l_head[i]];
            dst->l_product[o + i] = g;
            if (c != dst->p_category[g])   /* listed on the side, merged in order below */
                fail |= add_xcat(&xc[p], o + i, c);
        }
        if (s->n_lines == 0)
            continue;
        memcpy(dst->l_qty + o, s->l_qty, s->n_lines * sizeof *s->l_qty);
        memcpy(dst->l_disc + o, s->l_disc, s->n_lines * sizeof *s->l_disc);
        memcpy(dst->l_net + o, s->l_net, s->n_lines * sizeof *s->l_net);
        memcpy(dst->l_cogs + o, s->l_cogs, s->n_lines * sizeof *s->l_cogs);
    }
    if (fail) {
        rc = cx_nomem(e, "product table");
        goto done;
    }
    for (size_t p = 0; p < n; p++)
        for (size_t x = 0; x < xc[p].n_xcat; x++) {
            if (add_xcat(dst, xc[p].xcat_line[x], xc[p].xcat_val[x])) {
                rc = cx_nomem(e, "product table");
                goto done;
            }
            dst->p_mixed[dst->l_product[xc[p].xcat_line[x]]] = 1;   /* dst is not finished */
        }
    dst->n_lines = base + first[n];
    /* The text of the last head is not at hand: the next dataset_add hashes. */
    dst->last_head = DS_NONE;

done:
    free(keys);
    if (xc)
        for (size_t p = 0; p < n; p++) {
            free(xc[p].xcat_line);
            free(xc[p].xcat_val);
        }
    free(xc);
    if (map)
        for (size_t i = 0; i < n * DS_NTEXT + n; i++)
            free(map[i]);
    free(map);
    free(first);
    return rc;
}

void dataset_seal(struct dataset *ds)
{
    free(ds->h_slots);
    ds->h_slots = NULL;
    ds->h_nslots = 0;
    ds->last_head = DS_NONE;
}

const char *dataset_text(const struct dataset *ds, enum ds_text f, uint32_t id)
{
    if (f == DS_ORDER || id == DS_NONE || ((f == DS_CATEGORY || f == DS_REGION) && id == DS_NONE16))
        return "";   /* order ids are kept as fingerprints only */
    return strtab_str(ds->text[f], id, NULL);
}

/* Distinct values of a[0..n), sorted in place. UINT32_MAX when out of
   memory. */
static uint32_t count_distinct(uint64_t *a, size_t n)
{
    if (n == 0)
        return 0;
    if (radix_sort(a, n, 64))
        return UINT32_MAX;
    uint32_t d = 1;
    for (size_t i = 1; i < n; i++)
        d += a[i] != a[i - 1];
    return d;
}

int dataset_finish(struct dataset *ds, struct cx_err *e)
{
    dataset_seal(ds);
    if (ds->finished)
        return CX_OK;
    uint32_t orders = count_distinct(ds->h_order, ds->n_heads);   /* h_order is freed below */
    if (orders == UINT32_MAX)
        return cx_nomem(e, "order count");
    free(ds->h_order);
    ds->h_order = NULL;
    ds->n_orders = orders;
    for (int f = 0; f < DS_NTEXT; f++)
        strtab_drop_index(ds->text[f]);
    ds->finished = 1;
    if (strtab_count(ds->text[DS_PRODUCT]) <= 65536 && ds->n_lines) {
        /* In place, front to back: element i is written at bytes 2i..2i+1,
           below the 4(i+1) where the next unread one starts. */
        unsigned char *b = (unsigned char *)ds->l_product;   /* bytes: no aliasing of the two types */
        for (size_t i = 0; i < ds->n_lines; i++) {
            uint32_t v;
            memcpy(&v, b + 4 * i, sizeof v);
            uint16_t w = (uint16_t)v;
            memcpy(b + 2 * i, &w, sizeof w);
        }
        void *shrunk = realloc(b, ds->n_lines * sizeof(uint16_t));
        ds->l_product16 = shrunk ? shrunk : (void *)b;
        ds->l_product = NULL;
    }
    return CX_OK;
}

uint32_t dataset_count(const struct dataset *ds, enum ds_text f)
{
    if (f != DS_ORDER)
        return strtab_count(ds->text[f]);
    if (ds->finished)
        return ds->n_orders;
    if (ds->n_heads == 0)
        return 0;
    uint64_t *a = malloc(ds->n_heads * sizeof *a);
    uint32_t d = UINT32_MAX;
    if (a) {
        memcpy(a, ds->h_order, ds->n_heads * sizeof *a);
        d = count_distinct(a, ds->n_heads);
    }
    free(a);
    return d;
}

size_t dataset_bytes(const struct dataset *ds)
{
    size_t b = sizeof *ds;
    for (int f = 0; f < DS_NTEXT; f++)
        b += strtab_bytes(ds->text[f]);
    b += ds->cap_heads * ((ds->h_order ? sizeof(uint64_t) : 0) + 2 * sizeof(uint32_t) + sizeof(int32_t) + sizeof(uint16_t) + 1);
    b += ds->h_nslots * sizeof(uint64_t);
    b += ds->cap_lines * (sizeof(uint32_t) + sizeof(float) + 3 * sizeof(int32_t));
    b += ds->l_product16 ? ds->n_lines * sizeof(uint16_t) : ds->cap_lines * sizeof(uint32_t);
    b += ds->cap_pcat * 3 + ds->cap_xcat * (sizeof(uint64_t) + sizeof(uint16_t));
    b += ds->cap_big * (sizeof(uint64_t) + 3 * sizeof(double));
    b += ds->cap_unsure * sizeof(uint64_t);
    return b;
}
