-- Two trigger functions, BEFORE triggers, a subquery view. Runs at every start.
create or replace function products_log_update() returns trigger language plpgsql as $$
begin
    insert into product_audit (product_id, operation, old_row, new_row)
    values (old.id, 'UPDATE', row_to_json(old)::jsonb, row_to_json(new)::jsonb);
    return new;   -- BEFORE UPDATE: the row to write
end $$;

create or replace function products_log_delete() returns trigger language plpgsql as $$
begin
    insert into product_audit (product_id, operation, old_row) values (old.id, 'DELETE', to_jsonb(old));
    return old;   -- BEFORE DELETE: non-null lets the delete go on
end $$;

drop trigger if exists log_update on products;
create trigger log_update before update on products
    for each row when (old is distinct from new) execute function products_log_update();

drop trigger if exists log_delete on products;
create trigger log_delete before delete on products
    for each row execute function products_log_delete();

create or replace view sales_report as
select p.id as product_id, p.sku, p.name,
       (select count(*) from sales s where s.product_id = p.id) as sale_count,
       (select coalesce(sum(s.quantity), 0) from sales s where s.product_id = p.id)::bigint as units_sold,
       (select coalesce(sum(s.quantity::bigint * s.unit_price_cents), 0) from sales s
         where s.product_id = p.id)::bigint as revenue_cents
from products p;
