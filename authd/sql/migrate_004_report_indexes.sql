-- Reports (version 4): two indexes on WooCommerce tables, for the apid read routes that sum or sort
-- by a date WooCommerce does not index for them.
--   {p}wc_order_stats cartman_date_status_totals: GET /reports/sales sums a date range by status; the
--     index covers the query, so the range is read from the index alone instead of the table rows.
--   {p}wc_order_operational_data cartman_date_paid: GET /transactions lists payments newest first by
--     date_paid_gmt; without it every page sorts every paid order.
--
-- Safe beside WooCommerce: only indexes are added, under cartman_ names, no column or existing index
-- changes. WooCommerce's dbDelta adds the indexes its own schema lists and leaves others alone; its
-- queries keep their plans (or use these when they cover them); each row write updates one more index
-- entry. Nothing is added when a table does not exist yet (seed-demo runs this script again after it
-- creates the WooCommerce tables) or when the index is already there, so the script is idempotent
-- (ADD INDEX IF NOT EXISTS would be MariaDB-only).

SET @cartman_ddl = (SELECT IF(COUNT(*) = 1 AND NOT EXISTS (SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = '{p}wc_order_stats' AND index_name = 'cartman_date_status_totals'), 'ALTER TABLE {p}wc_order_stats ADD INDEX cartman_date_status_totals (date_created, status, parent_id, num_items_sold, total_sales, tax_total, shipping_total, net_total)', 'DO 0') FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{p}wc_order_stats');
PREPARE cartman_stmt FROM @cartman_ddl;
EXECUTE cartman_stmt;
DEALLOCATE PREPARE cartman_stmt;

SET @cartman_ddl = (SELECT IF(COUNT(*) = 1 AND NOT EXISTS (SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = '{p}wc_order_operational_data' AND index_name = 'cartman_date_paid'), 'ALTER TABLE {p}wc_order_operational_data ADD INDEX cartman_date_paid (date_paid_gmt, order_id)', 'DO 0') FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{p}wc_order_operational_data');
PREPARE cartman_stmt FROM @cartman_ddl;
EXECUTE cartman_stmt;
DEALLOCATE PREPARE cartman_stmt;
