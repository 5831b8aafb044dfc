#!/usr/bin/env python3
"""make_fixtures.py: writes the SQL suite's fixture tables (CSV + .types).

Deterministic (fixed seed, no external input): rerunning it rewrites the same
bytes.  The CSVs are committed; `make test` never runs this script.  Shapes
follow the generator's canonical sources (sales, products, customers) at a
small size, plus tables that exercise every type and NULL pattern.

CSV conventions (read by tests/unit/engine/test_sql_suite.c and by DuckDB with
allow_quoted_nulls=false): header line; an unquoted empty field is NULL; ""
is the empty string; fields with , " or newlines are quoted with "" escapes.
"""
import random, datetime, os

R = random.Random(20250615)
HERE = os.path.dirname(os.path.abspath(__file__))

def q(v):
    if v is None:
        return ''
    s = str(v)
    if s == '' or any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s

def write(name, cols, rows):
    with open(os.path.join(HERE, name + '.csv'), 'w', newline='') as f:
        f.write(','.join(c for c, _ in cols) + '\n')
        for r in rows:
            f.write(','.join(q(v) for v in r) + '\n')
    with open(os.path.join(HERE, name + '.types'), 'w') as f:
        for c, t in cols:
            f.write(f'{c} {t}\n')

categories = ['phone', 'laptop', 'tablet', 'watch', 'console', 'camera']
brands = {'phone': ['Apple', 'Samsung', 'Google', 'Xiaomi'], 'laptop': ['Apple', 'Dell', 'Lenovo', 'HP'],
          'tablet': ['Apple', 'Samsung', 'Lenovo'], 'watch': ['Apple', 'Garmin', 'Samsung'],
          'console': ['Sony', 'Nintendo', 'Microsoft'], 'camera': ['Canon', 'Nikon', 'Fujifilm', 'Sony']}
conditions = ['new', 'like_new', 'A', 'B', 'C', 'refurbished']
countries = ['US', 'DE', 'FR', 'GB', 'ES', 'IT', 'NL', 'PL']
currencies = {'US': 'USD', 'GB': 'GBP', 'PL': 'PLN'}
statuses = ['placed', 'paid', 'shipped', 'delivered', 'refunded', 'cancelled']
segments = ['consumer', 'business', 'reseller']

products = []
for pid in range(1, 201):
    cat = categories[pid % len(categories)]
    brand = brands[cat][(pid * 7) % len(brands[cat])]
    model = f'{brand[:3].upper()}-{cat[:2]}{pid:03d}'
    if pid % 37 == 0:
        model = 'Édition Spéciale ' + str(pid)      # non-ASCII text
    storage = None if cat in ('watch', 'camera') else [32, 64, 128, 256, 512, 1024][pid % 6]
    year = 2015 + pid % 10
    msrp = round(49 + (pid * 37 % 1500) + (pid % 100) / 100.0, 2)
    products.append((pid, f'SKU{pid:05d}', cat, brand, model, storage, year, f'{msrp:.2f}'))
write('products', [('product_id', 'INTEGER'), ('sku', 'VARCHAR'), ('category', 'VARCHAR'),
                   ('brand', 'VARCHAR'), ('model', 'VARCHAR'), ('storage_gb', 'INTEGER'),
                   ('release_year', 'SMALLINT'), ('msrp', 'DECIMAL(10,2)')], products)

customers = []
for cid in range(1, 501):
    d = datetime.date(2019, 1, 1) + datetime.timedelta(days=(cid * 53) % 2000)
    country = None if cid % 41 == 0 else countries[(cid * 3) % len(countries)]
    customers.append((cid, d.isoformat(), country, segments[cid % 3 if cid % 5 else 0]))
write('customers', [('customer_id', 'BIGINT'), ('signup_date', 'DATE'), ('country', 'VARCHAR'),
                    ('segment', 'VARCHAR')], customers)

sales = []
rid = 0
t0 = datetime.datetime(2025, 1, 1)
for order in range(1, 2201):
    cust = 1 + int(R.paretovariate(1.2) * 7) % 520  # some customer ids have no row in customers
    nlines = 1 + (order * 7) % 3
    ts = t0 + datetime.timedelta(seconds=order * 14321 + R.randrange(0, 3600))
    for line in range(1, nlines + 1):
        rid += 1
        pid = 1 + (order * 13 + line * 31) % 205          # 201..205 are not in products
        p = products[(pid - 1) % 200]
        cat, brand = p[2], p[3]
        cond = conditions[(order + line) % len(conditions)]
        qty = 1 + (order * line) % 3
        price = round(float(p[7]) * (0.4 + ((order * 17 + line) % 50) / 100.0), 2)
        country = countries[(cust * 3) % len(countries)]
        cur = currencies.get(country, 'EUR')
        disc = None if (order + line) % 9 == 0 else round(((order * line) % 20) / 100.0, 2)
        status = statuses[(order * 5 + line) % len(statuses)]
        micro = ts.microsecond
        sales.append((rid, order, line, cust, pid, f'SKU{pid:05d}', cat, brand, cond, qty,
                      f'{price:.2f}', cur, disc, country, status,
                      ts.strftime('%Y-%m-%d %H:%M:%S')))
write('sales', [('rid', 'BIGINT'), ('order_id', 'BIGINT'), ('line_no', 'INTEGER'),
                ('customer_id', 'BIGINT'), ('product_id', 'INTEGER'), ('sku', 'VARCHAR'),
                ('category', 'VARCHAR'), ('brand', 'VARCHAR'), ('condition', 'VARCHAR'),
                ('quantity', 'INTEGER'), ('unit_price', 'DECIMAL(10,2)'), ('currency', 'VARCHAR'),
                ('discount', 'DOUBLE'), ('country', 'VARCHAR'), ('status', 'VARCHAR'),
                ('ts', 'TIMESTAMP')], sales)

# every type, with NULLs in every column
types_rows = []
for i in range(1, 41):
    n = (lambda v: None if i % 7 == 0 else v)
    types_rows.append((
        i,
        n('true' if i % 3 else 'false'),
        n((i * 37) % 256 - 128),
        n((i * 9973) % 65536 - 32768),
        n((i * 104729) % 4000000000 - 2000000000),
        n((i * 998244353123) % 9000000000000000000 - 4500000000000000000),
        n((i * 1234567891234567) % 18446744073709551615),
        n(f'{(i * 1.25) - 20:.2f}'),
        n(repr((i * 3.3) - 50.5)),
        n(f'{((i * 7919) % 200000 - 100000) / 100:.2f}'),
        n(f'{((i * 99991) % 2000000000 - 1000000000) / 10000:.4f}'),
        n(['alpha', 'Beta', 'gamma', 'déjà vu', 'ZETA', '', ' pad ', 'naïve', 'a,b', 'quote"d'][i % 10]),
        n(['', 'bytes', 'ABC', 'x y'][i % 4]),
        n((datetime.date(2024, 1, 1) + datetime.timedelta(days=i * 11 - 200)).isoformat()),
        n((datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=i * 98765 - 2000000,
                                                               microseconds=i * 1234)).strftime('%Y-%m-%d %H:%M:%S.%f')),
    ))
write('t_types', [('id', 'INTEGER'), ('b', 'BOOLEAN'), ('i8', 'TINYINT'), ('i16', 'SMALLINT'),
                  ('i32', 'INTEGER'), ('i64', 'BIGINT'), ('u64', 'UBIGINT'), ('f32', 'FLOAT'),
                  ('f64', 'DOUBLE'), ('d5', 'DECIMAL(8,2)'), ('d38', 'DECIMAL(30,4)'),
                  ('s', 'VARCHAR'), ('bl', 'BLOB'), ('dt', 'DATE'), ('tstz', 'TIMESTAMP')],
      types_rows)

# NULL semantics
nulls = [(1, 1, 'a', 10), (2, None, 'b', 20), (3, 3, None, None), (4, None, None, 40),
         (5, 5, 'a', None), (6, 1, 'b', 60), (7, None, 'a', 70), (8, 8, '', 80)]
write('t_nulls', [('id', 'INTEGER'), ('x', 'INTEGER'), ('g', 'VARCHAR'), ('y', 'BIGINT')], nulls)

write('t_empty', [('id', 'INTEGER'), ('v', 'DOUBLE'), ('s', 'VARCHAR')], [])
