/*
 * rec_text — see rec_text.h. One function per action writes both
 * languages side by side, so that a sentence and its translation are read
 * and changed together.
 */
#include "reports/rec_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Numbers of one sentence, formatted into buffers that live as long as it. */
struct nums {
    enum lang l;
    char b[16][96];
    int i;
};

static char *next(struct nums *f)
{
    return f->b[f->i++ & 15];
}

static const char *M(struct nums *f, double v)
{
    return lang_money(next(f), 96, f->l, v);
}

/* An estimated impact: whole units of money. */
static const char *IMP(struct nums *f, double v)
{
    return lang_num(next(f), 96, f->l, v, 0);
}

static const char *PC(struct nums *f, double v, int d)
{
    return lang_pct(next(f), 96, f->l, v, d);
}

static const char *N(struct nums *f, double v, int d)
{
    return lang_num(next(f), 96, f->l, v, d);
}

/* "= 0.0031" or "< 0.0001": what follows a "p". */
static const char *PV(struct nums *f, double p)
{
    char *b = next(f);
    char x[64];
    lang_p(x, sizeof x, f->l, p);
    snprintf(b, 96, "%s%s", x[0] == '<' ? "" : "= ", x);
    return b;
}

static void put(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static const char *chan(const struct rec_names *x, int c)
{
    return c >= 0 ? dataset_text(x->ds, DS_CHANNEL, (uint32_t)c) : "";
}

static const char *prod(const struct rec_names *x, uint32_t p)
{
    return p != DS_NONE ? dataset_text(x->ds, DS_PRODUCT, p) : "";
}

const char *rec_segment_name(const struct rec_names *x, int segment, char *buf, size_t n)
{
    if (segment < 0 || segment >= x->s->model.k) {
        snprintf(buf, n, "%s", "");
        return buf;
    }
    return lang_segment_name(x->lang, x->s->model.name[segment], buf, n);
}

const char *rec_no_fit_reason(const struct rec_names *x, const struct rec *r)
{
    int fr = x->lang == LANG_FR;
    if (r->action == RA_FIT_UNTESTABLE)
        return fr ? "aucun canal ne se distingue (rien à tester)" : "no channel stands out (nothing testable)";
    return fr ? "aucun canal ne se distingue (pas d'écart établi)" : "no channel stands out (no difference found)";
}

void rec_text(const struct rec_names *x, const struct rec *r, char *buf, size_t n)
{
    struct nums f = { .l = x->lang };
    int fr = x->lang == LANG_FR;
    const struct rec_options *o = &x->all->opt;
    char seg[160];
    rec_segment_name(x, r->segment, seg, sizeof seg);
    const char *ch = chan(x, r->channel), *tg = chan(x, r->target_channel);
    switch (r->action) {
    case RA_FIT:
        if (r->paired)
            put(buf, n, fr ? "Servir %s par %s : les commandes des mêmes clients y rapportent %s chacune, contre %s "
                             "par %s, son concurrent le plus proche."
                           : "Serve %s through %s: the same customers' orders contribute %s each there, against %s "
                             "in %s, its closest rival.",
                seg, ch, M(&f, r->subject), M(&f, r->reference), tg);
        else
            put(buf, n, fr ? "Servir %s par %s : ses clients y rapportent %s chacun, contre %s par %s (d'autres "
                             "clients : leur profil peut expliquer une part de l'écart)."
                           : "Serve %s through %s: its customers there contribute %s each, against %s in %s "
                             "(different customers: who they are may explain part of the gap).",
                seg, ch, M(&f, r->subject), M(&f, r->reference), tg);
        break;
    case RA_FIT_UNTESTABLE:
        put(buf, n, fr ? "Aucun canal ne se distingue pour %s : rien à comparer, moins de deux canaux comptent %d de "
                         "ses clients avec un coût connu."
                       : "No channel stands out for %s: nothing to compare, fewer than two channels have %d of its "
                         "customers and a known cost.",
            seg, o->min_customers);
        break;
    case RA_FIT_NO_DIFFERENCE:
        put(buf, n, fr ? "Aucun canal ne se distingue pour %s : les écarts de contribution entre ses canaux restent "
                         "dans ce que le hasard ou un petit effet donnerait."
                       : "No channel stands out for %s: the differences of contribution between its channels are "
                         "within what chance or a small effect would give.",
            seg);
        break;
    case RA_SHIFT:
        put(buf, n, fr ? "Transférer %s des commandes de %s passées par %s vers %s : les mêmes clients achètent par "
                         "les deux, et leurs commandes rapportent %s par %s contre %s par %s (coût de vente %s "
                         "contre %s) : environ %s par an."
                       : "Move %s of the orders of %s from %s to %s: the same customers buy through both, and their "
                         "orders contribute %s in %s against %s in %s (cost of sales %s against %s): about %s a "
                         "year.",
            PC(&f, o->shift_share, 0), seg, ch, tg, M(&f, r->subject), tg, M(&f, r->reference), ch,
            PC(&f, r->cos_to, 1), PC(&f, r->cos_from, 1), IMP(&f, r->impact));
        break;
    case RA_RETENTION:
        if (r->segment >= 0)
            put(buf, n, fr ? "Pour %s, porter la fidélisation à 180 jours des clients gagnés par %s de %s à %s, comme "
                             "%s pour le même segment."
                           : "For %s, raise the 180-day retention of customers won through %s from %s to %s, as %s "
                             "achieves for the same segment.",
                seg, ch, PC(&f, r->subject, 0), PC(&f, r->reference, 0), tg);
        else
            put(buf, n, fr ? "Porter la fidélisation à 180 jours des clients gagnés par %s de %s à %s, comme %s."
                           : "Raise the 180-day retention of customers won through %s from %s to %s, as %s achieves.",
                ch, PC(&f, r->subject, 0), PC(&f, r->reference, 0), tg);
        break;
    case RA_CAC:
        put(buf, n, fr ? "Les clients gagnés par %s coûtent %s chacun, plus que les %s que rapporte leur première "
                         "année : réduire l'acquisition par ce canal ou augmenter la valeur de la première année."
                       : "Customers won through %s cost %s each, more than the %s their first year contributes: cut "
                         "acquisition spend there or raise first-year value.",
            ch, M(&f, r->subject), M(&f, r->reference));
        break;
    case RA_ACQ_TRIM:
        put(buf, n, fr ? "Réduire la dépense d'acquisition de %s : les clients qu'il a gagnés devraient rapporter %s "
                         "chacun sur les %s jours à venir, moins que les %s que coûte l'acquisition d'un client "
                         "(LTV:CAC %s, de %s à %s) : environ %s par an."
                       : "Trim acquisition spend in %s: the customers it won are expected to contribute %s each over "
                         "the next %s days, less than the %s it costs to win one (LTV:CAC %s, %s to %s): about %s a "
                         "year.",
            ch, M(&f, r->extra), N(&f, x->all->clv_horizon_days, 0), M(&f, r->reference), N(&f, r->subject, 2),
            N(&f, r->subject_lo, 2), N(&f, r->subject_hi, 2), IMP(&f, r->impact));
        break;
    case RA_ACQ_GROW:
        put(buf, n, fr ? "Augmenter la dépense d'acquisition de %s : les clients qu'il a gagnés devraient rapporter %s "
                         "chacun sur les %s jours à venir, %s fois les %s que coûte l'acquisition d'un client (de %s "
                         "à %s fois)."
                       : "Grow acquisition spend in %s: the customers it won are expected to contribute %s each over "
                         "the next %s days, %s times the %s it costs to win one (%s to %s times).",
            ch, M(&f, r->extra), N(&f, x->all->clv_horizon_days, 0), N(&f, r->subject, 2), M(&f, r->reference),
            N(&f, r->subject_lo, 2), N(&f, r->subject_hi, 2));
        break;
    case RA_RETURNS:
        if (r->segment >= 0)
            put(buf, n, fr ? "Revoir les conditions de retour pour %s : ses clients renvoient %s des unités "
                             "achetées, contre %s dans les autres segments."
                           : "Review the return conditions for %s: its customers return %s of the units they buy, "
                             "against %s in the other segments.",
                seg, PC(&f, r->subject, 1), PC(&f, r->reference, 1));
        else
            put(buf, n, fr ? "Revoir les conditions de retour de %s : %s des unités vendues reviennent, contre %s "
                             "dans les autres canaux."
                           : "Review the return conditions of %s: %s of the units it sells come back, against %s "
                             "in the other channels.",
                ch, PC(&f, r->subject, 1), PC(&f, r->reference, 1));
        break;
    case RA_DISCOUNT_LIMIT:
        put(buf, n, fr ? "Plafonner les remises pour %s : ses clients obtiennent en moyenne %s de remise, contre %s "
                         "dans les autres segments."
                       : "Set discount limits for %s: its customers get %s off on average, against %s in the other "
                         "segments.",
            seg, PC(&f, r->subject, 1), PC(&f, r->reference, 1));
        break;
    case RA_MIN_ORDER:
        if (r->segment >= 0)
            put(buf, n, fr ? "Fixer un minimum de commande pour %s : %s de ses commandes sont sous %s, contre %s "
                             "dans les autres segments."
                           : "Set a minimum order for %s: %s of its orders are below %s, against %s in the other "
                             "segments.",
                seg, PC(&f, r->subject, 1), M(&f, r->extra), PC(&f, r->reference, 1));
        else
            put(buf, n, fr ? "Fixer un minimum de commande par %s : %s de ses commandes sont sous %s, contre %s "
                             "dans les autres canaux."
                           : "Set a minimum order in %s: %s of its orders are below %s, against %s in the other "
                             "channels.",
                ch, PC(&f, r->subject, 1), M(&f, r->extra), PC(&f, r->reference, 1));
        break;
    case RA_CROSS_SELL:
        put(buf, n, fr ? "Proposer %s aux clients %s qui achètent %s : %s de leurs commandes avec %s contiennent "
                         "déjà %s, %s fois son taux habituel."
                       : "Cross-sell %s to %s customers buying %s: %s of their orders with %s already hold %s, %s "
                         "times its usual rate.",
            prod(x, r->product), seg, prod(x, r->product_a), PC(&f, r->subject, 0), prod(x, r->product_a),
            prod(x, r->product), N(&f, r->extra, 1));
        break;
    case RA_UPSELL:
        put(buf, n, fr ? "Proposer %s au reste de %s : %s de ses meilleurs clients l'achètent, contre %s des autres."
                       : "Offer %s to the rest of %s: %s of its best customers buy it, against %s of the others.",
            prod(x, r->product), seg, PC(&f, r->subject, 0), PC(&f, r->reference, 0));
        break;
    case RA_SEASONAL:
        put(buf, n, fr ? "Lancer une promotion saisonnière pour %s en %s, avant son pic de %s."
                       : "Start a seasonal promotion for %s in %s, ahead of its %s peak.",
            seg, lang_month(x->lang, (r->month + 10) % 12 + 1), lang_month(x->lang, r->month));
        break;
    case RA_PARTNER:
        put(buf, n, fr ? "Financer formation et publicité partagée avec %s pour %s : il porte %s du chiffre du "
                         "segment, %s par an."
                       : "Fund training and co-op advertising with %s for %s: it carries %s of the segment's net, "
                         "%s a year.",
            ch, seg, PC(&f, r->subject, 0), M(&f, r->amount));
        break;
    case RA_PRICE_LOW:
        put(buf, n, fr ? "Aligner le prix de %s par %s : son prix médian avant remise est de %s l'unité, sous "
                         "celui de chacun des autres canaux, %s sous le plus proche (%s, %s) ; un manque à gagner "
                         "d'environ %s par an."
                       : "Align the price of %s in %s: its median price before discount is %s a unit, below every "
                         "other channel's, %s below the nearest (%s, %s): revenue leakage of about %s a year.",
            prod(x, r->product), ch, M(&f, r->subject), PC(&f, -(r->subject / r->reference - 1), 0), tg,
            M(&f, r->reference), IMP(&f, r->impact));
        break;
    case RA_PRICE_HIGH:
        put(buf, n, fr ? "Vérifier le prix de %s par %s : son prix médian avant remise est de %s l'unité, au-dessus "
                         "de celui de chacun des autres canaux, %s au-dessus du plus proche (%s, %s) ; un risque "
                         "pour la cohérence de la marque (aucun gain annoncé)."
                       : "Check the price of %s in %s: its median price before discount is %s a unit, above every "
                         "other channel's, %s above the nearest (%s, %s): a risk to brand consistency (no gain "
                         "claimed).",
            prod(x, r->product), ch, M(&f, r->subject), PC(&f, r->subject / r->reference - 1, 0), tg,
            M(&f, r->reference));
        break;
    case RA_PRICE_LEVEL_LOW:
        put(buf, n, fr ? "Revoir le niveau de prix de %s : sur %s de ses %s produits comparés, son prix médian avant "
                         "remise est nettement sous celui de chacun des autres canaux (%s au plus proche, en "
                         "médiane) ; un manque à gagner d'environ %s par an."
                       : "Review the price level of %s: on %s of its %s products compared, its median price before "
                         "discount is clearly below every other channel's (%s to the nearest, at the median): "
                         "revenue leakage of about %s a year.",
            ch, N(&f, r->amount, 0), N(&f, r->extra, 0), PC(&f, r->subject, 0), IMP(&f, r->impact));
        break;
    case RA_PRICE_LEVEL_HIGH:
        put(buf, n, fr ? "Vérifier le niveau de prix de %s : sur %s de ses %s produits comparés, son prix médian "
                         "avant remise est nettement au-dessus de celui de chacun des autres canaux (+%s au plus "
                         "proche, en médiane) ; un risque pour la cohérence de la marque (aucun gain annoncé)."
                       : "Check the price level of %s: on %s of its %s products compared, its median price before "
                         "discount is clearly above every other channel's (+%s to the nearest, at the median): a "
                         "risk to brand consistency (no gain claimed).",
            ch, N(&f, r->amount, 0), N(&f, r->extra, 0), PC(&f, r->subject, 0));
        break;
    case RA_DISCOUNT_LEAK:
        put(buf, n, fr ? "Limiter les remises de %s : il accorde %s de son chiffre brut en remises, là où les mêmes "
                         "produits en reçoivent %s dans les autres canaux ; environ %s par an."
                       : "Limit discounts in %s: it gives %s of its gross away in discounts, where the same products "
                         "get %s in the other channels: about %s a year.",
            ch, PC(&f, r->subject, 1), PC(&f, r->reference, 1), IMP(&f, r->impact));
        break;
    default:
        put(buf, n, "%s", "");
    }
}

/* The test and its correction, as the evidence ends. */
static void test_part(struct nums *f, const struct rec *r, char *buf, size_t n)
{
    int fr = f->l == LANG_FR;
    static const char *const en[RT_NTESTS] = { "", "paired t test", "Welch t test", "two-proportion z test",
                                              "one-sided t test", "z test of ratios", "binomial test",
                                              "Mann-Whitney test", "permutation test within products",
                                              "z test of a rate ratio (customers as units)",
                                              "one-sample t test (customers as units)" };
    static const char *const frn[RT_NTESTS] = { "", "test t apparié", "test t de Welch", "test z de deux proportions",
                                               "test t unilatéral", "test z de rapports", "test binomial",
                                               "test de Mann-Whitney", "test de permutation par produit",
                                               "test z d'un rapport de taux (clients comme unités)",
                                               "test t sur une moyenne (clients comme unités)" };
    static const char *const adj_en[] = { "", "Holm", "Benjamini-Hochberg", "Bonferroni" };
    if (r->test == RT_NONE) {
        put(buf, n, "%s", "");
        return;
    }
    const char *name = (fr ? frn : en)[r->test];
    const char *stat = r->test == RT_MANN_WHITNEY ? "U" : r->test == RT_PAIRED_T || r->test == RT_WELCH ||
                                                         r->test == RT_ONE_SIDED_T || r->test == RT_T_MEAN ? "t" : "z";
    char st[96] = "";
    if (isfinite(r->stat))
        put(st, sizeof st, "%s = %s, ", stat, N(f, r->stat, r->test == RT_MANN_WHITNEY ? 0 : 2));
    if (r->adjust == RJ_NONE_ADJ)
        put(buf, n, "%s: %sp %s", name, st, PV(f, r->p));
    else
        put(buf, n, fr ? "%s : %sp %s, p ajusté (%s, %s tests) %s" : "%s: %sp %s, %s-adjusted over %s tests p %s",
            name, st, PV(f, r->p), adj_en[r->adjust], N(f, (double)r->family, 0), PV(f, r->p_adj));
}

void rec_evidence(const struct rec_names *x, const struct rec *r, char *buf, size_t n)
{
    struct nums f = { .l = x->lang };
    int fr = x->lang == LANG_FR;
    const struct rec_options *o = &x->all->opt;
    char t[320], names[400] = "";
    test_part(&f, r, t, sizeof t);
    const char *ch = chan(x, r->channel), *tg = chan(x, r->target_channel);
    switch (r->action) {
    case RA_FIT:
        if (r->paired)
            put(buf, n, fr ? "%s clients achetant par %s et %s : contribution par commande %s contre %s ; %s"
                           : "%s customers buying through both %s and %s: contribution per order %s against %s; %s",
                N(&f, r->amount, 0), ch, tg, M(&f, r->subject), M(&f, r->reference), t);
        else
            put(buf, n, fr ? "contribution par client %s (%s clients) contre %s (%s clients) ; %s"
                           : "contribution per customer %s (%s customers) against %s (%s customers); %s",
                M(&f, r->subject), N(&f, r->amount, 0), M(&f, r->reference), N(&f, r->extra, 0), t);
        break;
    case RA_FIT_UNTESTABLE: {
        size_t o2 = 0;
        for (uint32_t i = 0; i < x->all->nunmodelled && o2 + 2 < sizeof names; i++)
            o2 += (size_t)snprintf(names + o2, sizeof names - o2, "%s%s", i ? ", " : "",
                                   chan(x, (int)x->all->unmodelled[i]));
        if (r->extra > 0)
            put(buf, n, fr ? "%s canal(aux) avec au moins %d clients du segment, dont %s absent(s) du modèle de coûts "
                             "(%s) : aucune contribution à comparer"
                           : "%s channel(s) with %d customers of the segment or more, %s of them missing from the cost "
                             "model (%s): no contribution to compare",
                N(&f, r->amount, 0), o->min_customers, N(&f, r->extra, 0), names);
        else
            put(buf, n, fr ? "%s canal(aux) avec au moins %d clients du segment : il en faut deux"
                           : "%s channel(s) with %d customers of the segment or more: two are needed",
                N(&f, r->amount, 0), o->min_customers);
        break;
    }
    case RA_FIT_NO_DIFFERENCE:
        put(buf, n, fr ? "meilleur %s %s contre %s %s (%s) ; il faut p ajusté < %s et un écart d'au moins %s ; %s"
                       : "best %s %s against %s %s (%s); needs an adjusted p below %s and a gap of %s or more; %s",
            chan(x, r->compared[0]), M(&f, r->subject), chan(x, r->compared[1]), M(&f, r->reference),
            r->paired ? (fr ? "par commande, mêmes clients" : "per order, same customers")
                      : (fr ? "par client" : "per customer"),
            N(&f, o->alpha, 3), PC(&f, o->min_effect, 0), t);
        break;
    case RA_SHIFT:
        put(buf, n, fr ? "%s clients achètent par %s et %s ; contribution par commande %s contre %s ; coût de vente "
                         "%s contre %s ; %s ; impact = %s des commandes de ces clients par %s x écart par commande x "
                         "365/jours, au plus %s du chiffre déplacé"
                       : "%s customers buy through both %s and %s; contribution per order %s against %s; cost of "
                         "sales %s against %s; %s; impact = %s of those customers' orders in %s x the gap per order "
                         "x 365/days, at most %s of the revenue moved",
            N(&f, r->amount, 0), ch, tg, M(&f, r->subject), M(&f, r->reference), PC(&f, r->cos_to, 1),
            PC(&f, r->cos_from, 1), t, PC(&f, o->shift_share, 0), ch, PC(&f, o->shift_share, 0));
        break;
    case RA_RETENTION:
        put(buf, n, fr ? "%s retenus sur %s clients éligibles contre %s sur %s par %s ; %s ; impact = écart x clients "
                         "gagnés par an x ce qu'un client fidélisé ajoute la première année"
                       : "%s retained of %s eligible customers against %s of %s in %s; %s; impact = gap x customers "
                         "won a year x what a retained customer adds in its first year",
            N(&f, r->subject * r->amount, 0), N(&f, r->amount, 0), N(&f, r->reference * r->extra, 0),
            N(&f, r->extra, 0), tg, t);
        break;
    case RA_CAC:
        put(buf, n, fr ? "dépense d'acquisition %s sur la période ; contribution de première année de %s clients "
                         "observés un an : %s en moyenne ; H0 : elle couvre le CAC ; %s ; impact = (CAC - première "
                         "année) x clients gagnés par an, au plus la dépense annuelle"
                       : "acquisition spend %s in the period; first-year contribution of %s customers observed a "
                         "full year: %s on average; H0: it covers the CAC; %s; impact = (CAC - first year) x "
                         "customers won a year, at most the yearly spend",
            M(&f, r->extra), N(&f, r->amount, 0), M(&f, r->reference), t);
        break;
    case RA_ACQ_TRIM:
    case RA_ACQ_GROW:
        put(buf, n, fr ? "%s clients gagnés sur la période ; CLV moyenne (contribution actualisée sur %s jours, modèle "
                         "BG/NBD et Gamma-Gamma) %s ; CAC %s ; LTV:CAC %s, intervalle à 95 %% de %s à %s (bootstrap "
                         "des clients, paramètres du modèle fixés) ; H0 : la CLV moyenne égale le CAC ; %s%s"
                       : "%s customers won in the period; mean CLV (contribution over %s days, discounted, from BG/NBD "
                         "and Gamma-Gamma) %s; CAC %s; LTV:CAC %s, 95%% interval %s to %s (customers resampled, the "
                         "model's parameters held fixed); H0: the mean CLV equals the CAC; %s%s",
            N(&f, r->amount, 0), N(&f, x->all->clv_horizon_days, 0), M(&f, r->extra), M(&f, r->reference),
            N(&f, r->subject, 2), N(&f, r->subject_lo, 2), N(&f, r->subject_hi, 2), t,
            r->action == RA_ACQ_TRIM
                ? (fr ? " ; impact = (CAC - CLV) x clients gagnés par an, au plus la dépense annuelle"
                      : "; impact = (CAC - CLV) x customers won a year, at most the yearly spend")
                : (fr ? " ; aucun gain chiffré (ce qu'une dépense de plus gagnerait n'est pas connu)"
                      : "; no gain claimed (what more spend would win is not known)"));
        break;
    case RA_RETURNS:
        put(buf, n, fr ? "unités retournées / vendues %s contre %s, sur %s unités vendues ; %s"
                       : "units returned / sold %s against %s, over %s units sold; %s",
            N(&f, r->subject, 4), N(&f, r->reference, 4), N(&f, r->amount, 0), t);
        break;
    case RA_DISCOUNT_LIMIT:
        put(buf, n, fr ? "taux de remise moyen des clients %s contre %s ; chiffre brut ≈ %s ; %s"
                       : "mean discount rate of the customers %s against %s; gross about %s; %s",
            N(&f, r->subject, 4), N(&f, r->reference, 4), M(&f, r->amount), t);
        break;
    case RA_MIN_ORDER:
        put(buf, n, fr ? "petite commande = sous le quart de la commande médiane (%s) ; %s commandes ; %s"
                       : "small order = below a quarter of the median order (%s); %s orders; %s",
            M(&f, r->extra), N(&f, r->amount, 0), t);
        break;
    case RA_CROSS_SELL:
        put(buf, n, fr ? "règle %s -> %s dans les commandes du segment : %s commandes, confiance %s, lift %s ; %s"
                       : "rule %s -> %s in the segment's orders: %s orders, confidence %s, lift %s; %s",
            prod(x, r->product_a), prod(x, r->product), N(&f, r->amount, 0), N(&f, r->subject, 3),
            N(&f, r->extra, 2), t);
        break;
    case RA_UPSELL:
        put(buf, n, fr ? "meilleurs clients = les 20 %% du segment au chiffre le plus élevé ; %s des autres ne l'ont "
                         "jamais acheté ; %s"
                       : "best customers = the top 20%% of the segment by monetary; %s of the others never bought it; "
                         "%s",
            N(&f, r->amount, 0), t);
        break;
    case RA_SEASONAL:
        put(buf, n, fr ? "%s : %s fois le chiffre du mois moyen ; commandes répétées par jour-client %s fois celles "
                         "des autres mois (%s commandes contre %s attendues) ; %s ; impact = %s de hausse x chiffre "
                         "du mois de pic x taux de contribution avant coûts fixes"
                       : "%s: %s times the net of the mean month; repeat orders per customer-day %s times the other "
                         "months' (%s orders against %s expected); %s; impact = %s uplift x peak-month net x "
                         "contribution ratio before fixed costs",
            lang_month(x->lang, r->month), N(&f, r->subject, 2), N(&f, r->reference, 2), N(&f, r->amount, 0),
            N(&f, r->extra, 0), t, PC(&f, o->promo_uplift, 0));
        break;
    case RA_PARTNER:
        put(buf, n, fr ? "part du chiffre du segment %s, seuil %s (canal indirect du modèle de coûts) ; %s"
                       : "share of the segment's net %s, threshold %s (an indirect channel of the cost model); %s",
            PC(&f, r->subject, 1), PC(&f, r->reference, 0), t);
        break;
    case RA_PRICE_LOW:
    case RA_PRICE_HIGH:
        put(buf, n, fr ? "prix unitaire avant remise, ligne par ligne : médiane %s sur %s lignes contre %s sur %s "
                         "lignes par %s, le plus proche ; chaque autre canal au test de Mann-Whitney, le p ajusté "
                         "étant le plus grand des couples ; seuil %s ; %s%s"
                       : "unit price before discount, line by line: median %s over %s lines against %s over %s lines "
                         "in %s, the nearest; every other channel by a Mann-Whitney test, the adjusted p being the "
                         "largest of the pairs; threshold %s; %s%s",
            M(&f, r->subject), N(&f, r->amount, 0), M(&f, r->reference), N(&f, r->extra, 0), tg,
            PC(&f, o->price_threshold, 0), t,
            r->action == RA_PRICE_LOW ? (fr ? " ; impact = écart x unités vendues x 365/jours"
                                            : "; impact = gap x units sold x 365/days")
                                      : "");
        break;
    case RA_PRICE_LEVEL_LOW:
    case RA_PRICE_LEVEL_HIGH:
        put(buf, n, fr ? "prix unitaire avant remise, ligne par ligne, produit par produit : %s produits sur %s "
                         "sont du même côté de chacun des autres canaux, à au moins %s du plus proche, chaque couple "
                         "au test de Mann-Whitney, p ajusté (Benjamini-Hochberg, %s couples) au plus %s ; le détail "
                         "est dans prices.csv"
                       : "unit price before discount, line by line, product by product: %s of %s products lie on the "
                         "same side of every other channel, %s or more from the nearest, each pair by a Mann-Whitney "
                         "test with a Benjamini-Hochberg-adjusted p (over %s pairs) of at most %s; prices.csv lists "
                         "them",
            N(&f, r->amount, 0), N(&f, r->extra, 0), PC(&f, o->price_threshold, 0), N(&f, (double)r->family, 0),
            lang_p(next(&f), 96, f.l, r->p_adj));
        break;
    case RA_DISCOUNT_LEAK:
        put(buf, n, fr ? "remises / chiffre brut %s contre %s au taux des autres canaux, produit par produit, sur un "
                         "brut de %s ; %s ; impact = écart x brut x 365/jours"
                       : "discounts / gross %s against %s at the other channels' rates, product by product, over a "
                         "gross of %s; %s; impact = gap x gross x 365/days",
            PC(&f, r->subject, 2), PC(&f, r->reference, 2), M(&f, r->amount), t);
        break;
    default:
        put(buf, n, "%s", t);
    }
}
