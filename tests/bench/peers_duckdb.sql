-- peers_duckdb.sql -- the DuckDB anchor of `make bench-peers`.
--
-- What an analyst would write in SQL to get canaux's customer features and
-- channel economics from the CSV of `canaux gen` (SPEC.md §1-§3): plain
-- DuckDB, no k-means, no tuning beyond the thread count the runner sets.
-- Run by peers_duckdb.mjs, which sets the variables `input` (the CSV) and
-- `outdir` (an existing folder), runs each stage below (the text between
-- two `-- stage:` lines) and times it.
--
-- The same definitions as peers_pandas.py, so that both can be checked
-- against canaux the same way (tests/bench/peers.py):
-- - an order is an order_id, with the customer, channel and day of its
--   lines (one each in generated data); "orders" counts the positive ones;
-- - amounts are DOUBLE, as pandas keeps them (the check allows half a cent);
-- - the features are those of named customers, as of the last day;
-- - the channel costs are engine/costmodel.c's built-in model; a channel
--   outside it has no costs and is "direct"; fixed costs are pro-rated to
--   the days from the first to the last date, both included.

-- stage: load
CREATE TABLE sales AS
SELECT order_id, CAST(date AS DATE) AS day, customer_id, channel, category, quantity,
       quantity * unit_price AS gross,
       quantity * unit_price * (1 - coalesce(discount, 0)) AS net,
       quantity * unit_cost AS cogs
FROM read_csv(getvariable('input'), header = true,
              types = {'order_id': 'VARCHAR', 'date': 'TIMESTAMP', 'customer_id': 'VARCHAR',
                       'channel': 'VARCHAR', 'product_id': 'VARCHAR', 'category': 'VARCHAR',
                       'quantity': 'DOUBLE', 'unit_price': 'DOUBLE', 'unit_cost': 'DOUBLE',
                       'discount': 'DOUBLE', 'region': 'VARCHAR', 'account_id': 'VARCHAR'});

-- stage: features
CREATE TABLE period AS
SELECT min(day) AS first_day, max(day) AS asof, datediff('day', min(day), max(day)) + 1 AS days FROM sales;

CREATE TABLE orders AS
SELECT order_id, any_value(customer_id) AS customer_id, any_value(channel) AS channel, min(day) AS day,
       count(*) AS lines, sum(net) AS net, sum(cogs) AS cogs,
       sum(greatest(quantity, 0)) AS units, sum(greatest(-quantity, 0)) AS units_returned
FROM sales GROUP BY order_id;

CREATE TABLE customer_lines AS
SELECT customer_id, sum(net) AS monetary,
       sum(greatest(quantity, 0)) AS sold, sum(greatest(-quantity, 0)) AS returned,
       sum(CASE WHEN quantity > 0 THEN gross ELSE 0 END) AS gross_sold,
       sum(CASE WHEN quantity > 0 THEN gross - net ELSE 0 END) AS disc_sold,
       count(DISTINCT category) AS category_breadth
FROM sales WHERE customer_id IS NOT NULL GROUP BY customer_id;

-- Per customer and channel: orders, and the net and dates of the positive ones.
CREATE TABLE customer_channels AS
SELECT customer_id, channel, count(*) AS n_orders, min(day) AS first_day, max(day) AS last_day,
       count(*) FILTER (WHERE net > 0) AS n_pos, sum(net) FILTER (WHERE net > 0) AS pos_net,
       min(day) FILTER (WHERE net > 0) AS p_first, max(day) FILTER (WHERE net > 0) AS p_last
FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id, channel;

CREATE TABLE customers AS
WITH o AS (
    SELECT customer_id, min(first_day) AS first_day, max(last_day) AS last_day,
           sum(n_pos) AS frequency, sum(pos_net) AS pos_net, min(p_first) AS p_first, max(p_last) AS p_last,
           -- main channel: the most net of positive orders, else the most orders
           coalesce(arg_max(channel, pos_net) FILTER (WHERE n_pos > 0), arg_max(channel, n_orders)) AS main_channel
    FROM customer_channels GROUP BY customer_id)
SELECT c.customer_id,
       datediff('day', coalesce(o.p_last, o.last_day), p.asof) AS recency_days,
       o.frequency,
       c.monetary,
       CASE WHEN o.frequency > 0 THEN o.pos_net / o.frequency ELSE 0 END AS avg_order_value,
       datediff('day', o.first_day, p.asof) AS tenure_days,
       CASE WHEN o.frequency >= 2 THEN datediff('day', o.p_first, o.p_last) / (o.frequency - 1)
            ELSE datediff('day', o.first_day, p.asof) END AS interpurchase_days,
       CASE WHEN c.sold > 0 THEN c.returned / c.sold ELSE 0 END AS return_rate,
       CASE WHEN c.gross_sold > 0 THEN c.disc_sold / c.gross_sold ELSE 0 END AS discount_rate,
       c.category_breadth,
       o.main_channel
FROM customer_lines c JOIN o USING (customer_id) CROSS JOIN period p;

-- stage: economics
CREATE TABLE cost_model (channel VARCHAR, kind VARCHAR, commission_rate DOUBLE, cost_per_order DOUBLE,
                         cost_per_unit DOUBLE, cost_per_return DOUBLE, fixed_cost DOUBLE, acquisition_spend DOUBLE);
INSERT INTO cost_model VALUES
    ('direct', 'direct', 0.03, 45.00, 0.50, 12.00, 2400000, 600000),
    ('web', 'direct', 0.00, 4.50, 0.30, 6.00, 180000, 90000),
    ('agents', 'indirect', 0.12, 6.00, 0.40, 8.00, 150000, 60000),
    ('retail', 'indirect', 0.25, 2.00, 0.60, 5.00, 120000, 50000),
    ('marketplace', 'indirect', 0.15, 3.00, 0.35, 7.00, 40000, 30000);

CREATE TABLE channels AS
WITH t AS (
    SELECT channel, sum(lines) AS lines, count(*) FILTER (WHERE net > 0) AS orders,
           count(DISTINCT customer_id) AS customers, sum(units) AS units, sum(units_returned) AS units_returned,
           sum(net) AS net, sum(cogs) AS cogs,
           avg(net) FILTER (WHERE net > 0) AS aov_mean, median(net) FILTER (WHERE net > 0) AS aov_median
    FROM orders GROUP BY channel),
c AS (
    SELECT t.*, coalesce(m.kind, 'direct') AS kind, t.net - t.cogs AS margin,
           coalesce(m.commission_rate, 0) * t.net + coalesce(m.cost_per_order, 0) * t.orders
           + coalesce(m.cost_per_unit, 0) * t.units + coalesce(m.cost_per_return, 0) * t.units_returned
           + coalesce(m.fixed_cost, 0) * p.days / 365 AS channel_cost
    FROM t LEFT JOIN cost_model m USING (channel) CROSS JOIN period p)
SELECT channel, kind, lines, orders, customers, units, units_returned, net, cogs, margin, channel_cost,
       margin - channel_cost AS contribution, channel_cost / net AS cost_of_sales_ratio, aov_mean, aov_median
FROM c ORDER BY net DESC;

-- stage: write
COPY channels TO (getvariable('outdir') || '/channels.csv') (HEADER);
COPY (SELECT * FROM customers ORDER BY customer_id) TO (getvariable('outdir') || '/customers.csv') (HEADER);
