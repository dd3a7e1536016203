/*
 * test_html — report.html from a hand-made output folder: escaping of
 * hostile names, the formula guard dropped, no external reference, the
 * sections, ranks and figures, French numbers, missing tables, and write
 * errors. The page is also parsed by Python's html.parser with a check
 * that every end tag closes the element last opened (skipped without
 * python3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/html_report.h"

#define NNBSP "\xE2\x80\xAF"

/* ---- A temporary output folder --------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/canaux_html_XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void put_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* The English folder: two segments (one named like a script), two
   channels (one with quotes, an ampersand and a tag in its name), and a
   recommendation whose text starts like a spreadsheet formula, written
   with csvout's guard. Ranks are out of order in the file. */
static void write_english_folder(void)
{
    put_file("segments.csv",
             "segment,segment_name,customers,share,net_share,median_recency_days,median_frequency,"
             "median_monetary,median_avg_order_value,median_return_rate,median_discount_rate\n"
             "0,Loyal,120,0.6000,0.7000,20.0,6.0,2400.50,400.08,0.0100,0.0500\n"
             "1,<script>alert(1)</script>,80,0.4000,0.3000,300.0,1.0,150.00,150.00,0.0000,0.0000\n");
    put_file("channels.csv",
             "channel,kind,lines,orders,customers,units,units_returned,net,cogs,margin,channel_cost,"
             "contribution,cost_of_sales_ratio,aov_mean,aov_ci_low,aov_ci_high,aov_median\n"
             "web,direct,500,300,150,900.00,10.00,1234567.89,800000.00,434567.89,200000.00,"
             "234567.89,0.1620,4115.23,4000.10,4230.36,3900.00\n"
             "\"\"\"quoted\"\" & <b>bold</b>\",indirect,100,50,40,200.00,0.00,50000.00,30000.00,"
             "20000.00,25000.00,-5000.00,0.5000,1000.00,900.00,1100.00,950.00\n");
    put_file("segment_channels.csv",
             "segment,segment_name,channel,customers,orders,net,margin,channel_cost,contribution,"
             "cost_of_sales_ratio,contribution_per_customer,cpc_ci_low,cpc_ci_high,low_support\n"
             "0,Loyal,web,100,250,1000000.00,350000.00,150000.00,200000.00,0.1500,2000.00,1900.00,2100.00,0\n"
             "0,Loyal,\"\"\"quoted\"\" & <b>bold</b>\",20,40,40000.00,16000.00,20000.00,-4000.00,0.5000,"
             "-200.00,-260.00,-140.00,0\n"
             "1,<script>alert(1)</script>,web,50,50,234567.89,84567.89,50000.00,34567.89,0.2132,"
             "691.36,600.00,780.00,0\n"
             "1,<script>alert(1)</script>,\"\"\"quoted\"\" & <b>bold</b>\",3,10,10000.00,4000.00,"
             "5000.00,-1000.00,0.5000,-333.33,-500.00,-100.00,1\n");
    put_file("whale_curve.csv",
             "channel,customer_share,contribution_share,cumulative_contribution\n"
             "web,0.00,0.0000,0.00\nweb,0.25,0.9000,900.00\nweb,0.50,1.2000,1200.00\nweb,0.75,1.1000,1100.00\n"
             "web,1.00,1.0000,1000.00\n"
             "\"\"\"quoted\"\" & <b>bold</b>\",0.00,,0.00\n"
             "\"\"\"quoted\"\" & <b>bold</b>\",0.50,,2500.00\n"
             "\"\"\"quoted\"\" & <b>bold</b>\",1.00,,-3000.00\n");
    put_file("acquisition_retention.csv",
             "level,segment,segment_name,channel,new_customers,customers_without_positive_order,cac,"
             "repeat_customers,repeat_rate,ret90_eligible,ret90_retained,ret90_rate,ret180_eligible,"
             "ret180_retained,ret180_rate,ret365_eligible,ret365_retained,ret365_rate,"
             "first_year_customers,first_year_contribution_mean,payback_months,cac_exceeds_first_year\n"
             "all,,,,190,0,,120,0.6316,180,70,0.3889,170,90,0.5294,160,110,0.6875,160,900.00,,\n"
             "channel,,,web,150,0,80.00,100,0.6667,140,60,0.4286,130,75,0.5769,120,90,0.7500,120,"
             "1100.00,0.9,0\n"
             "channel,,,\"\"\"quoted\"\" & <b>bold</b>\",40,0,500.00,20,0.5000,40,10,0.2500,40,15,"
             "0.3750,40,20,0.5000,40,-50.00,,1\n"
             "segment,0,Loyal,,120,0,,100,0.8333,110,60,0.5455,100,70,0.7000,100,90,0.9000,100,1200.00,,\n");
    put_file("seasonality.csv",
             "segment,segment_name,channel,month,net,index\n"
             "0,Loyal,,01,100.00,0.5000\n0,Loyal,,02,150.00,0.7500\n0,Loyal,,03,200.00,1.0000\n"
             "0,Loyal,,04,200.00,1.0000\n0,Loyal,,05,200.00,1.0000\n0,Loyal,,06,200.00,1.0000\n"
             "0,Loyal,,07,200.00,1.0000\n0,Loyal,,08,200.00,1.0000\n0,Loyal,,09,200.00,1.0000\n"
             "0,Loyal,,10,250.00,1.2500\n0,Loyal,,11,300.00,1.5000\n0,Loyal,,12,400.00,2.1700\n"
             "0,Loyal,web,12,400.00,9.9900\n");
    put_file("prices.csv",
             "product,channel,units,mean_net_unit_price,median_across_channels,departure,"
             "revenue_at_stake,flagged,channel_discount_rate\n"
             "P1,web,100.00,10.0000,10.0000,0.0000,0.00,0,0.0100\n"
             "P2,web,50.00,8.0000,10.0000,-0.2000,100.00,1,0.0200\n"
             "\"'=HYPERLINK(\"\"x\"\")\",web,300.00,13.0000,10.0000,0.3000,900.00,1,0.0000\n");
    put_file("recommendations.csv",
             "rank,kind,segment,channel,account,product,text,impact,impact_ci_low,impact_ci_high,"
             "confidence,evidence,segment_name,target_channel,month\n"
             "2,policy,1,,,,Set discount limits for the second segment.,1500.00,,,medium,"
             "excess rate 0.1,<script>alert(1)</script>,,\n"
             "1,volume_shift,0,web,,,\"'=cmd|' /C calc'!A0 moves 20% of Loyal to the partner\","
             "98765.43,90000.00,105000.00,high,cost of sales 16% vs 50%,Loyal,"
             "\"\"\"quoted\"\" & <b>bold</b>\",\n");
    put_file("rejects.csv",
             "file,line,reason,raw\n"
             "in.csv,2,\"bad number in quantity: \"\"x\"\"\",\"1,x\"\n"
             "in.csv,3,\"bad number in quantity: \"\"y\"\"\",\"2,y\"\n"
             "in.csv,4,\"bad date in date: \"\"bad\"\"\",\"3,bad\"\n");
}

static const char *const inputs[] = { "sales <2024>.csv", "more & more.csv.gz" };

static const struct html_meta meta = {
    .title = "Q3 <review> & co",
    .version = "0.1.0",
    .cost_model = "costs.ini",
    .period = "2023-01-01 \xE2\x80\x93 2024-12-31",
    .inputs = inputs,
    .ninputs = 2,
    .rows_read = 1234567,
    .accepted = 1234564,
    .rejected = 3,
};

/* 1 when python3 is there. */
static const char *python(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0)
        return "python3";
    if (access("/usr/bin/python3", X_OK) == 0)
        return "/usr/bin/python3";
    return NULL;
}

/* Parses path with html.parser, checking that end tags match (void and
   self-closed elements aside) and that the bytes are UTF-8. Returns the
   exit status, or -1 when python3 is absent. */
static int python_parse(const char *path)
{
    const char *py = python();
    if (py == NULL)
        return -1;
    char script[] = "/tmp/canaux_html_py_XXXXXX";
    int fd = mkstemp(script);
    assert_true(fd >= 0);
    static const char code[] =
        "import sys\n"
        "from html.parser import HTMLParser\n"
        "VOID = {'area','base','br','col','embed','hr','img','input','link','meta','source','track','wbr'}\n"
        "class P(HTMLParser):\n"
        "    def __init__(self):\n"
        "        super().__init__(convert_charrefs=True)\n"
        "        self.stack = []\n"
        "    def handle_starttag(self, tag, attrs):\n"
        "        if tag not in VOID:\n"
        "            self.stack.append(tag)\n"
        "    def handle_endtag(self, tag):\n"
        "        if not self.stack or self.stack[-1] != tag:\n"
        "            sys.exit('</%s> at %s closes %s' % (tag, self.getpos(), self.stack[-3:]))\n"
        "        self.stack.pop()\n"
        "p = P()\n"
        "p.feed(open(sys.argv[1], encoding='utf-8').read())\n"
        "p.close()\n"
        "if p.stack:\n"
        "    sys.exit('unclosed: %s' % p.stack)\n";
    assert_int_equal(write(fd, code, sizeof code - 1), (ssize_t)(sizeof code - 1));
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s %s", py, script, path);
    int rc = system(cmd);
    unlink(script);
    return rc;
}

/* Nothing that would load from elsewhere or run. */
static void assert_self_contained(const char *html)
{
    assert_null(strcasestr(html, "<script"));
    assert_null(strcasestr(html, "http://"));
    assert_null(strcasestr(html, "https://"));
    assert_null(strcasestr(html, "src="));
    assert_null(strcasestr(html, "url("));
    assert_null(strcasestr(html, "@import"));
    assert_null(strcasestr(html, "javascript:"));
}

static void assert_sections(const char *html)
{
    static const char *const heads[] = {
        "<h2>Findings</h2>", "<h2>Segments</h2>", "<h2>Channels</h2>",
        "<h2>Segment \xC3\x97 channel", "<h2>Whale curve</h2>", "<h2>Acquisition and retention</h2>",
        "<h2>Seasonality</h2>", "<h2>Price consistency</h2>", "<h2>Data quality</h2>"
    };
    const char *prev = html;
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        const char *p = strstr(html, heads[i]);
        assert_non_null(p);
        /* In the order of the brief: findings first. */
        assert_true(p > prev);
        prev = p;
    }
}

static void test_english(void **state)
{
    (void)state;
    make_dir();
    write_english_folder();
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    struct cx_err e = { 0 };
    assert_int_equal(html_report_from_csv(out, dir, 0, &meta, &e), CX_OK);
    char *html = slurp(out);

    assert_non_null(strstr(html, "<html lang=\"en\">"));
    assert_self_contained(html);
    assert_sections(html);
    /* Hostile names are shown, escaped, in tables, SVG text and titles. */
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert_null(strstr(html, "<b>bold"));
    assert_non_null(strstr(html, "<title>Q3 &lt;review&gt; &amp; co</title>"));
    assert_non_null(strstr(html, "sales &lt;2024&gt;.csv"));
    assert_non_null(strstr(html, "more &amp; more.csv.gz"));
    /* The formula guard is dropped: the text as typed, escaped. */
    assert_non_null(strstr(html, "=cmd|&#39; /C calc&#39;!A0 moves 20% of Loyal"));
    assert_null(strstr(html, "&#39;=cmd"));
    assert_non_null(strstr(html, "<td>=HYPERLINK(&quot;x&quot;)</td>"));
    /* Rank 1 first though second in the file; impact as money. */
    const char *r1 = strstr(html, "=cmd|"), *r2 = strstr(html, "Set discount limits");
    assert_non_null(r2);
    assert_true(r1 < r2);
    assert_non_null(strstr(html, "98,765"));
    assert_non_null(strstr(html, "volume shift"));
    /* channels.csv: net 1234567.89 and contribution -5000 as whole amounts,
       cost of sales 0.1620 as a percentage, the AOV interval. */
    assert_non_null(strstr(html, ">1,234,568<"));
    assert_non_null(strstr(html, ">-5,000<"));
    assert_non_null(strstr(html, ">16.2%<"));
    assert_non_null(strstr(html, "4,000.10 \xE2\x80\x93 4,230.36"));
    /* The low-support cell is hatched and explained. */
    assert_non_null(strstr(html, "class=\"v low\""));
    assert_non_null(strstr(html, "low support"));
    /* Segment seasonality: the all-channels December (2.17) is the boxed
       peak; the web row (9.99) is not in the segment table. */
    assert_non_null(strstr(html, "class=\"v peak\""));
    assert_non_null(strstr(html, ">2.17<"));
    assert_null(strstr(html, ">9.99<"));
    /* Prices: both flagged rows, the larger stake first, signed departure. */
    const char *p1 = strstr(html, "+30.0%"), *p2 = strstr(html, "-20.0%");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p1 < p2);
    /* Payback: 0.9 months; never when the first year loses money. */
    assert_non_null(strstr(html, ">0.9<"));
    assert_non_null(strstr(html, ">never<"));
    /* Rejects grouped by reason prefix: 2 bad numbers, 1 bad date. */
    assert_non_null(strstr(html, "<td>bad number in quantity</td><td class=\"n\">2</td>"));
    assert_non_null(strstr(html, "<td>bad date in date</td><td class=\"n\">1</td>"));
    assert_non_null(strstr(html, "1,234,567"));
    /* Whale curves: web's share peaks at 120% at the top half; the quoted
       channel's total is negative, so its curve is in money. */
    assert_non_null(strstr(html, "The top 50% of customers make 120% of the contribution."));
    assert_non_null(strstr(html, "its customers' total contribution (-3,000) is not positive"));
    assert_non_null(strstr(html, "The top 50% of customers make 2,500 before the rest lose it."));

    int py = python_parse(out);
    free(html);
    remove_dir();
    if (py < 0)
        skip();
    assert_int_equal(py, 0);
}

/* The same kind of folder as a French run writes it: byte-order mark, ';'
   and decimal commas. */
static void test_french(void **state)
{
    (void)state;
    make_dir();
    put_file("channels.csv",
             "\xEF\xBB\xBF" "channel;kind;customers;orders;net;channel_cost;contribution;"
             "cost_of_sales_ratio;aov_mean;aov_ci_low;aov_ci_high\n"
             "\"boutique; Paris\";direct;150;300;1234567,89;200000,00;-5000,50;0,1620;4115,23;"
             "4000,10;4230,36\n");
    put_file("recommendations.csv",
             "\xEF\xBB\xBF" "rank;kind;segment;channel;text;impact;confidence\n"
             "1;policy;0;;\"'=Fid\xC3\xA8les: limiter les remises\";1234,5;high\n");
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    struct cx_err e = { 0 };
    assert_int_equal(html_report_from_csv(out, dir, 1, &meta, &e), CX_OK);
    char *html = slurp(out);
    assert_non_null(strstr(html, "<html lang=\"fr\">"));
    assert_self_contained(html);
    assert_sections(html);
    assert_non_null(strstr(html, "boutique; Paris"));
    assert_non_null(strstr(html, ">1" NNBSP "234" NNBSP "568<"));
    assert_non_null(strstr(html, ">-5" NNBSP "001<"));
    assert_non_null(strstr(html, ">16,2" NNBSP "%<"));
    assert_non_null(strstr(html, "4" NNBSP "000,10"));
    assert_non_null(strstr(html, ">=Fid\xC3\xA8les: limiter les remises"));
    assert_non_null(strstr(html, ">1" NNBSP "235<"));
    int py = python_parse(out);
    free(html);
    remove_dir();
    if (py < 0)
        skip();
    assert_int_equal(py, 0);
}

/* An empty folder (a run that wrote nothing yet) and no metadata: every
   section says what is missing, and the page is still whole. */
static void test_missing_tables(void **state)
{
    (void)state;
    make_dir();
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    struct cx_err e = { 0 };
    assert_int_equal(html_report_from_csv(out, dir, 0, NULL, &e), CX_OK);
    char *html = slurp(out);
    assert_self_contained(html);
    assert_sections(html);
    assert_non_null(strstr(html, "<title>canaux report</title>"));
    assert_non_null(strstr(html, "no channels.csv in the output folder"));
    assert_non_null(strstr(html, "no recommendations.csv in the output folder"));
    assert_non_null(strstr(html, "</html>\n"));
    int py = python_parse(out);
    free(html);
    remove_dir();
    if (py < 0)
        skip();
    assert_int_equal(py, 0);
}

/* Names as typed: accents kept, edge spaces kept, a byte that is not UTF-8
   replaced, a control character blanked. */
static void test_text_cleanup(void **state)
{
    (void)state;
    make_dir();
    put_file("segments.csv", "segment,segment_name,customers,share\n"
                             "0,Fid\xC3\xA8les ,10,0.5\n"
                             "1,bad\xFFname,10,0.5\n"
                             "2,\"tab\x01here\",0,0\n");
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    struct cx_err e = { 0 };
    assert_int_equal(html_report_from_csv(out, dir, 0, &meta, &e), CX_OK);
    char *html = slurp(out);
    assert_non_null(strstr(html, "<td>Fid\xC3\xA8les </td>"));
    assert_non_null(strstr(html, "<td>bad\xEF\xBF\xBDname</td>"));
    assert_non_null(strstr(html, "<td>tab here</td>"));
    free(html);
    remove_dir();
}

static void test_write_errors(void **state)
{
    (void)state;
    make_dir();
    write_english_folder();
    struct cx_err e = { 0 };
    /* A full disk shows at the flush; the message names the file. */
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(html_report_from_csv("/dev/full", dir, 0, &meta, &e), CX_EIO);
        assert_non_null(strstr(e.msg, "/dev/full"));
    }
    /* A folder that does not exist. */
    struct cx_err e2 = { 0 };
    char out[160];
    snprintf(out, sizeof out, "%s/no/such/report.html", dir);
    assert_int_equal(html_report_from_csv(out, dir, 0, &meta, &e2), CX_EIO);
    assert_non_null(strstr(e2.msg, "report.html"));
    /* A table that cannot be read (a folder in its place). */
    struct cx_err e3 = { 0 };
    char bad[128];
    snprintf(bad, sizeof bad, "%s/prices.csv", dir);
    assert_int_equal(unlink(bad), 0);
    assert_int_equal(mkdir(bad, 0700), 0);
    snprintf(out, sizeof out, "%s/report.html", dir);
    assert_int_equal(html_report_from_csv(out, dir, 0, &meta, &e3), CX_EIO);
    assert_non_null(strstr(e3.msg, "prices.csv"));
    remove_dir();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_french),
        cmocka_unit_test(test_missing_tables),
        cmocka_unit_test(test_text_cleanup),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
