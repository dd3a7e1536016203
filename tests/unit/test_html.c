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
             "contribution,cost_of_sales_ratio,aov_mean,aov_ci_low,aov_ci_high,aov_median,in_cost_model\n"
             "web,direct,500,300,150,900.00,10.00,1234567.89,800000.00,434567.89,200000.00,"
             "234567.89,0.1620,4115.23,4000.10,4230.36,3900.00,1\n"
             "\"\"\"quoted\"\" & <b>bold</b>\",indirect,100,50,40,200.00,0.00,50000.00,30000.00,"
             "20000.00,25000.00,-5000.00,0.5000,1000.00,900.00,1100.00,950.00,1\n"
             "<b>x</b>,direct,10,8,5,20.00,0.00,7000.00,4000.00,3000.00,0.00,3000.00,0.0000,"
             "875.00,700.00,1050.00,800.00,0\n");
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
             "channel,,,<b>x</b>,5,0,,2,0.4000,5,1,0.2000,5,2,0.4000,5,3,0.6000,5,600.00,,\n"
             "segment,0,Loyal,,120,0,,100,0.8333,110,60,0.5455,100,70,0.7000,100,90,0.9000,100,1200.00,,\n");
    put_file("seasonality.csv",
             "segment,segment_name,channel,month,net,index\n"
             "0,Loyal,,01,100.00,0.5000\n0,Loyal,,02,150.00,0.7500\n0,Loyal,,03,200.00,1.0000\n"
             "0,Loyal,,04,200.00,1.0000\n0,Loyal,,05,200.00,1.0000\n0,Loyal,,06,200.00,1.0000\n"
             "0,Loyal,,07,200.00,1.0000\n0,Loyal,,08,200.00,1.0000\n0,Loyal,,09,200.00,1.0000\n"
             "0,Loyal,,10,250.00,1.2500\n0,Loyal,,11,300.00,1.5000\n0,Loyal,,12,400.00,2.1700\n"
             "0,Loyal,web,12,400.00,9.9900\n");
    /* P1 not flagged; P2 12 % below the other channels (leakage, 100 a
       year at stake); the formula-named product 30 % above (a consistency
       risk: nothing at stake). web's discounts: 2.0 % against 1.0 % for the
       same products elsewhere, named by the leakage recommendation. */
    put_file("prices.csv",
             "product,channel,channels_compared,lines,units,median_unit_price,reference_channel,reference_lines,"
             "reference_median,departure,u,p_value,p_adjusted,flagged,revenue_at_stake,channel_discount_rate,"
             "channel_discount_expected,channel_discount_p_adjusted\n"
             "P1,web,2,40,100.00,10.0000,agents,60,10.0000,0.0000,1200.0,0.9,0.9,0,0.00,0.0200,0.0100,0.003\n"
             "P2,web,3,30,50.00,8.8000,agents,50,10.0000,-0.1200,100.0,0.0001,0.0004,-1,100.00,0.0200,0.0100,"
             "0.003\n"
             "\"'=HYPERLINK(\"\"x\"\")\",web,3,25,300.00,13.0000,\"<i>shop</i>\",45,10.0000,0.3000,1000.0,"
             "1e-06,2e-06,1,0.00,0.0200,0.0100,0.003\n");
    /* Rank 3 says that no channel stands out: not a finding, shown with
       the channel fit under the matrix. */
    put_file("recommendations.csv",
             "rank,kind,segment,channel,account,product,text,impact,impact_ci_low,impact_ci_high,"
             "confidence,evidence,segment_name,target_channel,month,action\n"
             "2,policy,1,,,,Set discount limits for the second segment.,1500.00,,,medium,"
             "excess rate 0.1,<script>alert(1)</script>,,,discount_limit\n"
             "3,channel_fit,0,,,,No channel stands out for Loyal: no difference found.,,,,low,"
             "Welch t test p = 0.2,Loyal,,,fit_no_difference\n"
             "1,volume_shift,0,web,,,\"'=cmd|' /C calc'!A0 moves 20% of Loyal to the partner\","
             "98765.43,90000.00,105000.00,high,cost of sales 16% vs 50%,Loyal,"
             "\"\"\"quoted\"\" & <b>bold</b>\",,shift\n"
             "4,price,,web,,,Limit discounts in web.,321.00,,,high,permutation,,,,discount_leakage\n");
    put_file("rejects.csv",
             "file,line,reason,raw\n"
             "in.csv,2,\"bad number in quantity: \"\"x\"\"\",\"1,x\"\n"
             "in.csv,3,\"bad number in quantity: \"\"y\"\"\",\"2,y\"\n"
             "in.csv,4,\"bad date in date: \"\"bad\"\"\",\"3,bad\"\n");
}

static const char *const inputs[] = { "sales <2024>.csv", "more & more.csv.gz" };

/* A warning from the loader, with markup in it to be escaped. */
static const char *const warnings[] = { "Near-duplicate channel names: <web> & \"Web\"" };

static const struct html_meta meta = {
    .title = "Q3 <review> & co",
    .version = "0.1.0",
    .cost_model = "costs.ini",
    .from = "2023-01-01",
    .to = "2024-12-31",
    .days = 731,
    .inputs = inputs,
    .ninputs = 2,
    .rows_read = 1234567,
    .accepted = 1234564,
    .rejected = 3,
    .warnings = warnings,
    .nwarnings = 1,
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
    /* Rank 1 first though third in the file; impact as money. Rank 3
       (no channel stands out) is not a finding: the findings count 3 of
       the 4 rows and it shows once, under the matrix, as channel fit. */
    const char *r1 = strstr(html, "=cmd|"), *r2 = strstr(html, "Set discount limits");
    assert_non_null(r2);
    assert_true(r1 < r2);
    assert_non_null(strstr(html, "<p>The run's 3 recommendations, by estimated impact.</p>"));
    const char *fit = strstr(html, "No channel stands out for Loyal"), *matrix = strstr(html, "<h2>Segment \xC3\x97");
    assert_non_null(fit);
    assert_true(fit > matrix);
    assert_null(strstr(fit + 1, "No channel stands out for Loyal"));
    assert_true(fit > strstr(html, "<h3>Channel fit by segment</h3>"));
    /* The header: the period in words, the rows, and the channel the cost
       model lacks named (escaped) beside it. */
    assert_non_null(strstr(html, "<dd>2023-01-01 to 2024-12-31 (731 days)</dd>"));
    assert_non_null(strstr(html, "<dd>1,234,567 read, 1,234,564 accepted, 3 rejected</dd>"));
    assert_non_null(strstr(html, "<dt>Cost model</dt><dd>costs.ini<div class=\"warn\">1 channel of the data is "
                                 "missing from the cost model: \xE2\x80\x9C&lt;b&gt;x&lt;/b&gt;\xE2\x80\x9D. Its costs "
                                 "are unknown (counted at zero), and no recommendation that depends on cost"));
    assert_null(strstr(html, "<b>x"));
    /* Its costs are unknown, not 0.0%: contribution is margin alone (*). */
    assert_non_null(strstr(html, "<td>&lt;b&gt;x&lt;/b&gt;</td><td class=\"unk\">not in the cost model</td>"
                                 "<td class=\"n\">5</td><td class=\"n\">8</td><td class=\"n\">7,000</td>"
                                 "<td class=\"n unk\">unknown</td><td class=\"n\">3,000*</td>"
                                 "<td class=\"n unk\">unknown</td>"));
    assert_non_null(strstr(html, "* The cost model lacks this channel"));
    /* Data quality: the loader's warning first, escaped, then the cost
       model's gap; both before the row counts. */
    const char *quality = strstr(html, "<h2>Data quality</h2>");
    const char *w1 = strstr(html, "<li>Near-duplicate channel names: &lt;web&gt; &amp; &quot;Web&quot;</li>");
    const char *w2 = strstr(html, "<li>1 channel of the data is missing from the cost model");
    assert_non_null(w1);
    assert_non_null(w2);
    assert_true(quality < w1 && w1 < w2 && w2 < strstr(html, "<td>Rows read</td>"));
    assert_null(strstr(html, "<web>"));
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
    /* Prices: the price below the others first, as leakage with its money
       and its adjusted p (0.0004); the one above as a consistency risk, no
       money claimed (adjusted p 2e-06 shown as < 0.0001). */
    const char *p1 = strstr(html, "-12.0%"), *p2 = strstr(html, "+30.0%");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p1 < p2);
    assert_non_null(strstr(html, "<td class=\"n\">0.0004</td><td class=\"neg\">below: revenue leakage</td>"
                                 "<td class=\"n\">100</td>"));
    assert_non_null(strstr(html, "<td class=\"n\">&lt; 0.0001</td><td>above: consistency risk</td>"
                                 "<td class=\"n unk\">none claimed</td>"));
    /* Stake 100 with two decimals in the sentence (lang_money below 1,000). */
    assert_non_null(strstr(html, "Of 3 product and channel rows tested, flagged: 1 below the other channels "
                                 "(revenue leakage of 100.00 a year in all); 1 above them (a risk to brand "
                                 "consistency, no gain claimed)."));
    /* The nearest channel by name, escaped like any text of the input. */
    assert_non_null(strstr(html, "<td>&lt;i&gt;shop&lt;/i&gt;</td><td class=\"n\">10.00</td>"));
    assert_null(strstr(html, "<i>shop</i>"));
    /* web's discounts: 2.0% against 1.0%, adjusted p 0.003 (4 decimals
       below 0.01), and the leakage recommendation's 321 a year. */
    assert_non_null(strstr(html, "<td>web</td><td class=\"n\">2.0%</td><td class=\"n\">1.0%</td>"
                                 "<td class=\"n\">0.0030</td><td class=\"neg\">above: discount leakage</td>"
                                 "<td class=\"n\">321</td>"));
    /* Payback: 0.9 months; never when the first year loses money; n/a
       (CAC and payback) for the channel whose acquisition spend is unknown. */
    assert_non_null(strstr(html, ">0.9<"));
    assert_non_null(strstr(html, ">never<"));
    assert_non_null(strstr(html, "<td>&lt;b&gt;x&lt;/b&gt;</td><td class=\"n\">5</td>"
                                 "<td class=\"n unk\">n/a</td>"));
    assert_non_null(strstr(html, "<td class=\"n\">600.00</td><td class=\"n unk\">n/a</td></tr>"));
    assert_non_null(strstr(html, "n/a: not available"));
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
   and decimal commas, names and texts in French, every table there. */
static void write_french_folder(void)
{
    put_file("segments.csv",
             "\xEF\xBB\xBF" "segment;segment_name;customers;share;net_share;median_recency_days;"
             "median_frequency;median_monetary;median_avg_order_value;median_return_rate;median_discount_rate\n"
             "0;Fid\xC3\xA8les;1200;0,6000;0,7000;20,0;6,0;2400,50;400,08;0,0100;0,0500\n"
             "1;Perdus;800;0,4000;0,3000;300,0;1,0;150,00;150,00;0,0000;0,0000\n");
    put_file("channels.csv",
             "\xEF\xBB\xBF" "channel;kind;customers;orders;net;channel_cost;contribution;"
             "cost_of_sales_ratio;aov_mean;aov_ci_low;aov_ci_high;in_cost_model\n"
             "\"boutique; Paris\";direct;150;300;1234567,89;200000,00;-5000,50;0,1620;4115,23;"
             "4000,10;4230,36;1\n"
             "<b>x</b>;direct;5;8;7000,00;0,00;3000,00;0,0000;875,00;700,00;1050,00;0\n");
    put_file("segment_channels.csv",
             "\xEF\xBB\xBF" "segment;segment_name;channel;customers;orders;net;margin;channel_cost;contribution;"
             "cost_of_sales_ratio;contribution_per_customer;cpc_ci_low;cpc_ci_high;low_support\n"
             "0;Fid\xC3\xA8les;\"boutique; Paris\";100;250;1000000,00;350000,00;150000,00;200000,00;0,1500;"
             "2000,00;1900,00;2100,00;0\n"
             "0;Fid\xC3\xA8les;<b>x</b>;3;4;5000,00;2000,00;0,00;2000,00;0,0000;666,67;;;1\n");
    put_file("whale_curve.csv",
             "\xEF\xBB\xBF" "channel;customer_share;contribution_share;cumulative_contribution\n"
             "\"boutique; Paris\";0,00;0,0000;0,00\n\"boutique; Paris\";0,50;1,2000;1200,00\n"
             "\"boutique; Paris\";1,00;1,0000;1000,00\n");
    put_file("acquisition_retention.csv",
             "\xEF\xBB\xBF" "level;segment;segment_name;channel;new_customers;customers_without_positive_order;cac;"
             "repeat_customers;repeat_rate;ret90_eligible;ret90_retained;ret90_rate;ret180_eligible;"
             "ret180_retained;ret180_rate;ret365_eligible;ret365_retained;ret365_rate;"
             "first_year_customers;first_year_contribution_mean;payback_months;cac_exceeds_first_year\n"
             "all;;;;155;0;;100;0,6452;150;60;0,4000;140;70;0,5000;130;80;0,6154;130;900,00;;\n"
             "channel;;;\"boutique; Paris\";150;0;1500,00;98;0,6533;145;58;0,4000;135;68;0,5037;125;78;"
             "0,6240;125;-50,00;;1\n"
             "channel;;;<b>x</b>;5;0;;2;0,4000;5;2;0,4000;5;2;0,4000;5;2;0,4000;5;600,00;;\n");
    put_file("seasonality.csv",
             "\xEF\xBB\xBF" "segment;segment_name;channel;month;net;index\n"
             "0;Fid\xC3\xA8les;;01;100,00;0,5000\n0;Fid\xC3\xA8les;;06;200,00;1,0000\n"
             "0;Fid\xC3\xA8les;;12;400,00;2,1700\n");
    put_file("prices.csv",
             "\xEF\xBB\xBF" "product;channel;channels_compared;lines;units;median_unit_price;reference_channel;"
             "reference_lines;reference_median;departure;u;p_value;p_adjusted;flagged;revenue_at_stake;"
             "channel_discount_rate;channel_discount_expected;channel_discount_p_adjusted\n"
             "P2;\"boutique; Paris\";2;30;50,00;8,8000;web;50;10,0000;-0,1200;100,0;0,0001;0,0004;-1;1100,00;"
             "0,0200;0,0100;0,5\n"
             "P3;\"boutique; Paris\";3;25;300,00;13,0000;web;45;10,0000;0,3000;1000,0;1e-06;2e-06;1;0,00;"
             "0,0200;0,0100;0,5\n");
    put_file("recommendations.csv",
             "\xEF\xBB\xBF" "rank;kind;segment;channel;text;impact;confidence;segment_name;action\n"
             "1;policy;0;;\"'=Fid\xC3\xA8les: limiter les remises\";1234,5;high;Fid\xC3\xA8les;discount_limit\n"
             "2;channel_fit;1;;Aucun canal ne se distingue pour Perdus.;;low;Perdus;fit_untestable\n");
    put_file("rejects.csv", "\xEF\xBB\xBF" "file;line;reason;raw\nin.csv;2;date illisible;x\n");
}

#define NBSP "\xC2\xA0"

static const char *const warnings_fr[] = { "Noms de canaux presque identiques : <web> & \xC2\xABWeb\xC2\xBB" };

static const struct html_meta meta_fr = {
    .version = "0.1.0",
    .cost_model = "built-in",
    .from = "2023-01-01",
    .to = "2024-12-31",
    .days = 731,
    .inputs = inputs,
    .ninputs = 2,
    .rows_read = 1234567,
    .accepted = 1234564,
    .rejected = 3,
    .warnings = warnings_fr,
    .nwarnings = 1,
};

static void test_french(void **state)
{
    (void)state;
    make_dir();
    write_french_folder();
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    struct cx_err e = { 0 };
    assert_int_equal(html_report_from_csv(out, dir, 1, &meta_fr, &e), CX_OK);
    char *html = slurp(out);
    assert_non_null(strstr(html, "<html lang=\"fr\">"));
    assert_non_null(strstr(html, "<title>Rapport canaux</title>"));
    assert_self_contained(html);
    /* Every section under its French heading, in the order of the brief. */
    static const char *const heads[] = {
        "<h2>Constats</h2>", "<h2>Segments de clients</h2>", "<h2>Canaux</h2>",
        "<h2>Segment \xC3\x97 canal" NBSP ": contribution par client</h2>", "<h2>Courbe de la baleine</h2>",
        "<h2>Acquisition et fid\xC3\xA9lisation</h2>", "<h2>Saisonnalit\xC3\xA9</h2>",
        "<h2>Coh\xC3\xA9rence des prix</h2>", "<h2>Qualit\xC3\xA9 des donn\xC3\xA9""es</h2>"
    };
    const char *prev = html;
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        const char *p = strstr(html, heads[i]);
        assert_non_null(p);
        assert_true(p > prev);
        prev = p;
    }
    /* No English left: headings, navigation, labels, table headers, notes. */
    static const char *const english[] = {
        ">Findings<", ">Segments<", ">Channels<", "channel:", "Whale curve", "Acquisition and retention",
        "Seasonality", "Price consistency", "Data quality", "Period", "Cost model", "built-in", "Produced by",
        "Rows", "read,", "Customers", "Net sales", "Cost of sales", "How to read", "Recommendation",
        "Confidence", "unknown", "n/a", "never", "Warnings", "below:", "above:", "Made by", ">all<", ">high<",
        "policy", "Jan<", "Dec<", "Profiles", "Repeat rate", "Departure", "Lines", "Reason", "Discount",
        "Channel fit", "days", "The top"
    };
    for (size_t i = 0; i < sizeof english / sizeof *english; i++) {
        if (strstr(html, english[i]) != NULL)
            fail_msg("English left in the French page: %s", english[i]);
    }
    /* The header: the period with French dates, the rows with French
       numbers inside the sentence (no-break spaces, lang.h) and agreement,
       the built-in model as "intégré" and the channel it lacks, escaped. */
    assert_non_null(strstr(html, "<dd>du 1er janvier 2023 au 31 d\xC3\xA9""cembre 2024 (731 jours)</dd>"));
    assert_non_null(strstr(html, "<dd>1" NBSP "234" NBSP "567 lues, 1" NBSP "234" NBSP "564 accept\xC3\xA9""es, "
                                 "3 rejet\xC3\xA9""es</dd>"));
    assert_non_null(strstr(html, "<dt>Mod\xC3\xA8le de co\xC3\xBBts</dt><dd>int\xC3\xA9gr\xC3\xA9<div class=\"warn\">"
                                 "1 canal des donn\xC3\xA9""es est absent du mod\xC3\xA8le de co\xC3\xBBts" NBSP ": "
                                 "\xC2\xAB" NBSP "&lt;b&gt;x&lt;/b&gt;" NBSP "\xC2\xBB. Ses co\xC3\xBBts sont inconnus"));
    /* Numbers inside sentences in French: 2 000 customers (1200 + 800);
       the whale curve's top 50 % make 120 %; 1 100 at stake (lang_money
       drops the decimals from 1,000 on). */
    assert_non_null(strstr(html, "<p>2" NBSP "000 clients en 2 segments aux habitudes d'achat semblables.</p>"));
    assert_non_null(strstr(html, "Les 50" NBSP "% de clients les plus rentables font 120" NBSP "% de la "
                                 "contribution."));
    assert_non_null(strstr(html, "Sur 2 lignes produit et canal test\xC3\xA9""es, signal\xC3\xA9""es" NBSP ": 1 sous les "
                                 "autres canaux (un manque \xC3\xA0 gagner de 1" NBSP "100 par an en tout)" NBSP
                                 "; 1 au-dessus"));
    /* Tables keep their own French format (narrow no-break spaces). */
    assert_non_null(strstr(html, "boutique; Paris"));
    assert_non_null(strstr(html, ">1" NNBSP "234" NNBSP "568<"));
    assert_non_null(strstr(html, ">-5" NNBSP "001<"));
    assert_non_null(strstr(html, ">16,2" NNBSP "%<"));
    assert_non_null(strstr(html, "4" NNBSP "000,10"));
    assert_non_null(strstr(html, ">=Fid\xC3\xA8les: limiter les remises"));
    assert_non_null(strstr(html, ">1" NNBSP "235<"));
    assert_non_null(strstr(html, ">\xC3\xA9levée<"));
    assert_non_null(strstr(html, "<td class=\"n\">&lt;" NBSP "0,0001</td>"));
    assert_non_null(strstr(html, "<th class=\"n\">d\xC3\xA9""c.</th>"));
    /* The channel the cost model lacks: costs "inconnu", not 0,0 %. */
    assert_non_null(strstr(html, "<td class=\"n unk\">inconnu</td><td class=\"n\">3" NNBSP "000*</td>"
                                 "<td class=\"n unk\">inconnu</td>"));
    assert_non_null(strstr(html, "<th class=\"n\">&lt;b&gt;x&lt;/b&gt;*</th>"));
    /* CAC and payback: "n.d." where the CSV is empty; "jamais" where the
       first year loses money. */
    assert_non_null(strstr(html, "<td>&lt;b&gt;x&lt;/b&gt;</td><td class=\"n\">5</td><td class=\"n unk\">n.d.</td>"));
    assert_non_null(strstr(html, ">jamais<"));
    /* "No channel stands out" is no finding: one recommendation. */
    assert_non_null(strstr(html, "<p>La seule recommandation de l'ex\xC3\xA9""cution.</p>"));
    /* The warning, escaped, first in data quality; then the cost model's. */
    const char *w1 = strstr(html, "<li>Noms de canaux presque identiques : &lt;web&gt; &amp; \xC2\xABWeb\xC2\xBB</li>");
    assert_non_null(w1);
    assert_true(w1 > strstr(html, "<h2>Qualit\xC3\xA9"));
    assert_true(strstr(w1, "<li>1 canal des donn\xC3\xA9""es est absent") != NULL);
    assert_true(w1 < strstr(html, "<td>Lignes lues</td>"));
    int py = python_parse(out);
    free(html);
    remove_dir();
    if (py < 0)
        skip();
    assert_int_equal(py, 0);
}

/* The sentence on the channels the cost model lacks, in both languages,
   singular and plural, as the page and cli/ share it. */
static void test_unmodelled_sentence(void **state)
{
    (void)state;
    assert_null(html_unmodelled_sentence(0, NULL, 0));
    const char *one[] = { "<b>x</b>" }, *two[] = { "web", "Second Class" };
    char *s = html_unmodelled_sentence(0, one, 1);
    assert_string_equal(s, "1 channel of the data is missing from the cost model: \xE2\x80\x9C<b>x</b>\xE2\x80\x9D. "
                           "Its costs are unknown (counted at zero), and no recommendation that depends on cost "
                           "(channel fit, volume shift, CAC, payback) names it.");
    free(s);
    s = html_unmodelled_sentence(1, two, 2);
    assert_string_equal(s, "2 canaux des donn\xC3\xA9""es sont absents du mod\xC3\xA8le de co\xC3\xBBts" NBSP ": "
                           "\xC2\xAB" NBSP "web" NBSP "\xC2\xBB, \xC2\xAB" NBSP "Second Class" NBSP "\xC2\xBB. Leurs "
                           "co\xC3\xBBts sont inconnus (compt\xC3\xA9s \xC3\xA0 z\xC3\xA9ro), et aucune "
                           "recommandation qui d\xC3\xA9pend des co\xC3\xBBts (ad\xC3\xA9quation des canaux, "
                           "transfert de volume, CAC, d\xC3\xA9lai de r\xC3\xA9""cup\xC3\xA9ration) ne les nomme.");
    free(s);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* The cost model's gap shows beside the model and once in data quality,
   whether the caller lists it among the warnings (as cli/ does), lists
   other warnings only, or gives no metadata at all. */
static void test_unmodelled_once(void **state)
{
    (void)state;
    make_dir();
    write_english_folder();
    const char *one[] = { "<b>x</b>" };
    char *sentence = html_unmodelled_sentence(0, one, 1);
    const char *w[] = { "Lines after the as-of date: 2.", sentence };
    struct html_meta m = meta;
    m.warnings = w;
    m.nwarnings = 2;
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    const struct html_meta *metas[] = { &m, &meta, NULL };
    for (size_t k = 0; k < 3; k++) {
        struct cx_err e = { 0 };
        assert_int_equal(html_report_from_csv(out, dir, 0, metas[k], &e), CX_OK);
        char *html = slurp(out);
        assert_int_equal(count(html, "1 channel of the data is missing from the cost model"), 2);
        assert_true(strstr(html, "<div class=\"warn\">1 channel of the data") <
                    strstr(html, "<li>1 channel of the data"));
        if (k == 0)
            assert_true(strstr(html, "<li>Lines after the as-of date: 2.</li>") <
                        strstr(html, "<li>1 channel of the data"));
        free(html);
    }
    free(sentence);
    remove_dir();
}

/* When every row of recommendations.csv says that no channel stands out,
   the findings say so plainly, in each language. */
static void test_nothing_stands_out(void **state)
{
    (void)state;
    make_dir();
    put_file("recommendations.csv",
             "rank,kind,segment,channel,text,impact,confidence,segment_name,action\n"
             "1,channel_fit,0,,No channel stands out for Loyal.,,low,Loyal,fit_no_difference\n");
    char out[128];
    snprintf(out, sizeof out, "%s/report.html", dir);
    struct cx_err e = { 0 };
    assert_int_equal(html_report_from_csv(out, dir, 0, NULL, &e), CX_OK);
    char *html = slurp(out);
    const char *nothing = strstr(html, "<p>Nothing in this data stands out from its noise.</p>");
    assert_non_null(nothing);
    assert_true(nothing < strstr(html, "<h2>Segments</h2>"));
    assert_null(strstr(html, "table class=\"findings\""));
    free(html);
    put_file("recommendations.csv",
             "\xEF\xBB\xBF" "rank;kind;segment;channel;text;impact;confidence;segment_name;action\n"
             "1;channel_fit;0;;Aucun canal ne se distingue pour Fid\xC3\xA8les.;;low;Fid\xC3\xA8les;"
             "fit_untestable\n");
    assert_int_equal(html_report_from_csv(out, dir, 1, NULL, &e), CX_OK);
    html = slurp(out);
    assert_non_null(strstr(html, "<p>Rien dans ces donn\xC3\xA9""es ne se distingue de leur bruit.</p>"));
    free(html);
    remove_dir();
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
        cmocka_unit_test(test_unmodelled_sentence),
        cmocka_unit_test(test_unmodelled_once),
        cmocka_unit_test(test_nothing_stands_out),
        cmocka_unit_test(test_missing_tables),
        cmocka_unit_test(test_text_cleanup),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
