/*
 * lang — see lang.h.
 */
#include "reports/lang.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NBSP "\xc2\xa0"    /* U+00A0, between digit groups and before % in French */

char *lang_num(char *buf, size_t n, enum lang l, double v, int decimals)
{
    if (n == 0)
        return buf;
    buf[0] = 0;
    if (!isfinite(v))
        return buf;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    if (strspn(raw, "-0.") == strlen(raw) && raw[0] == '-')
        memmove(raw, raw + 1, strlen(raw));   /* -0.00 is 0.00 */
    const char *digits = raw[0] == '-' ? raw + 1 : raw;
    const char *dot = strchr(digits, '.');
    size_t ni = dot ? (size_t)(dot - digits) : strlen(digits);
    const char *group = l == LANG_FR ? NBSP : ",";
    char out[128];
    size_t o = 0;
    if (raw[0] == '-')
        out[o++] = '-';
    for (size_t i = 0; i < ni; i++) {
        if (i > 0 && (ni - i) % 3 == 0 && ni >= 4) {
            size_t gl = strlen(group);
            memcpy(out + o, group, gl);
            o += gl;
        }
        out[o++] = digits[i];
    }
    if (dot) {
        out[o++] = l == LANG_FR ? ',' : '.';
        size_t nd = strlen(dot + 1);
        memcpy(out + o, dot + 1, nd);
        o += nd;
    }
    out[o] = 0;
    snprintf(buf, n, "%s", out);
    return buf;
}

char *lang_money(char *buf, size_t n, enum lang l, double v)
{
    return lang_num(buf, n, l, v, fabs(v) < 1000 ? 2 : 0);
}

char *lang_pct(char *buf, size_t n, enum lang l, double fraction, int decimals)
{
    char x[64];
    lang_num(x, sizeof x, l, 100 * fraction, decimals);
    if (x[0] == 0)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "%s%s%%", x, l == LANG_FR ? NBSP : "");
    return buf;
}

char *lang_p(char *buf, size_t n, enum lang l, double p)
{
    char x[64];
    if (!isfinite(p))
        snprintf(buf, n, "%s", "");
    else if (p < 0.0001)
        snprintf(buf, n, "<%s%s", l == LANG_FR ? NBSP : " ", lang_num(x, sizeof x, l, 0.0001, 4));
    else
        snprintf(buf, n, "%s", lang_num(x, sizeof x, l, p, p < 0.01 ? 4 : 3));
    return buf;
}

static const char *const months_en[12] = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"
};
static const char *const months_fr[12] = {
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre"
};

const char *lang_month(enum lang l, int m)
{
    if (m < 1 || m > 12)
        return "";
    return l == LANG_FR ? months_fr[m - 1] : months_en[m - 1];
}

/* The engine's words (engine/naming.c) and their French. */
static const char *const words[][2] = {
    { "Champions", "Champions" },
    { "Loyal", "Fidèles" },
    { "Big spenders", "Gros acheteurs" },
    { "New", "Nouveaux" },
    { "Promising", "Prometteurs" },
    { "At risk", "À risque" },
    { "Lapsed", "Perdus" },
    { "Occasional", "Occasionnels" },
    { "Bargain hunters", "Chasseurs de remises" },
    { "Returners", "Clients à retours" },
    { "Explorers", "Explorateurs" },
    { "Light buyers", "Petits acheteurs" },
    { "Mainstream", "Clients moyens" },
    { "Profile", "Profil" },
    { "recent", "récents" },
    { "not recent", "pas récents" },
    { "frequent", "fréquents" },
    { "infrequent", "peu fréquents" },
    { "high spend", "dépense élevée" },
    { "low spend", "faible dépense" },
    { "large orders", "grosses commandes" },
    { "small orders", "petites commandes" },
    { "long-standing", "anciens" },
    { "recently acquired", "acquis récemment" },
    { "many returns", "beaucoup de retours" },
    { "heavy discounts", "fortes remises" },
    { "broad range", "large gamme" },
    { "narrow range", "gamme étroite" },
    { "average", "moyens" },
};

static const char *word_fr(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i][0]) == n && strncmp(words[i][0], w, n) == 0)
            return words[i][1];
    return NULL;
}

const char *lang_segment_name(enum lang l, const char *name, char *buf, size_t n)
{
    if (l == LANG_EN || n == 0) {
        if (n)
            snprintf(buf, n, "%s", name);
        return buf;
    }
    /* "Name", "Name 2", or "Segment 3: word, word". */
    const char *colon = strstr(name, ": ");
    if (colon) {
        const char *head = word_fr(name, (size_t)(colon - name));
        size_t o = head ? (size_t)snprintf(buf, n, "%s" NBSP ":", head)
                        : (size_t)snprintf(buf, n, "%.*s" NBSP ":", (int)(colon - name), name);
        const char *p = colon + 2;
        int first = 1;
        while (*p && o < n) {
            size_t wl = strcspn(p, ",");
            const char *fr = word_fr(p, wl);
            o += (size_t)snprintf(buf + o, n - o, "%s %.*s", first ? "" : ",", fr ? (int)strlen(fr) : (int)wl, fr ? fr : p);
            first = 0;
            p += wl;
            while (*p == ',' || *p == ' ')
                p++;
        }
        return buf;
    }
    size_t len = strlen(name), base = len;
    while (base > 0 && name[base - 1] >= '0' && name[base - 1] <= '9')
        base--;
    if (base < len && base > 1 && name[base - 1] == ' ') {
        const char *fr = word_fr(name, base - 1);
        if (fr) {
            snprintf(buf, n, "%s %s", fr, name + base);
            return buf;
        }
    }
    const char *fr = word_fr(name, len);
    snprintf(buf, n, "%s", fr ? fr : name);
    return buf;
}
