"""The operators' dashboard (issue 20) with DASHBOARD_DELIVERIES deliveries (1,000,000 unless told)
of one tenant spread over the last 90 days, on SQLite and on PostgreSQL: the records a real tenant
would have (photos with quality and location verdicts, attempts, customers' page views and
opt-outs, emails sent or failed) are seeded by the database itself, then `GET /api/v1/dashboard`
is timed on a release server: the first 90-day view (which counts every closed day from the
records and keeps it, and today's closed hours), then repeated 7-, 30- and 90-day views (kept days
and hours read back, the hour or so since counted afresh). The figures are checked against the
records. Writes results/dashboard.{md,json}."""
import datetime
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from serving import BIN, demo, publish, serving  # noqa: E402

N = int(os.environ.get("DASHBOARD_DELIVERIES", "1000000"))
VIEWS = int(os.environ.get("DASHBOARD_VIEWS", "20"))
DAY = 86_400_000
HOUR = 3_600_000
SETTLE_HOUR = 600_000  # DashboardService.settle(.hour)


def seed_statements(engine, tenant, courier, now):
    """INSERT … SELECT over a series of N numbers, one per table; every expression is valid in both engines."""
    span = 90 * DAY - 3_600_000
    step = max(1, span // N)
    series = (f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {N - 1}) SELECT"
              if engine == "sqlite" else "SELECT")
    source = "FROM s" if engine == "sqlite" else f"FROM generate_series(CAST(0 AS BIGINT), {N - 1}) AS s(n)"  # BIGINT: n × step passes 2³¹
    created = f"({now} - n * {step})"
    delivered = f"({created} + 600000)"
    # 1 in 20 is not delivered (an attempt instead); 1 in 10 of the rest goes without a photo.
    return [
        f"""INSERT INTO deliveries (id, tenant_id, order_reference, recipient_name, recipient_email, recipient_language, address,
                latitude, longitude, instructions, courier_id, state, placement, delivered_at, first_delivered_at, created_at)
            {series} 'bench-d-' || n, '{tenant}', 'B-' || n, 'Ann', 'ann' || n || '@example.com', 'en', '1 Main St', 48.85, 2.35, '',
                '{courier}', CASE WHEN n % 20 = 0 THEN 'created' ELSE 'delivered' END, 'porch',
                CASE WHEN n % 20 = 0 THEN NULL ELSE {delivered} END, CASE WHEN n % 20 = 0 THEN NULL ELSE {delivered} END, {created}
            {source}""",
        f"""INSERT INTO photos (id, delivery_id, tenant_id, courier_id, placement, mean_brightness, display_key, display_width,
                display_height, display_bytes, display_sha256, thumbnail_key, thumbnail_width, thumbnail_height, thumbnail_bytes,
                thumbnail_sha256, created_at, quality_issues, location_verdict)
            {series} 'bench-p-' || n, 'bench-d-' || n, '{tenant}', '{courier}', 'porch', 100, 'k' || n, 1600, 1200, 1, 'x', 't' || n, 400, 300, 1, 'x',
                {delivered}, CASE WHEN n % 25 = 1 THEN 'too_dark' WHEN n % 40 = 3 THEN 'blurry' ELSE '' END,
                CASE n % 7 WHEN 0 THEN 'near' WHEN 1 THEN 'unknown' ELSE 'at-address' END
            {source} WHERE n % 20 <> 0 AND n % 10 <> 5""",
        f"""INSERT INTO delivery_attempts (id, delivery_id, tenant_id, courier_id, reason, created_at)
            {series} 'bench-a-' || n, 'bench-d-' || n, '{tenant}', '{courier}', 'nobody_home', {created} + 300000 {source} WHERE n % 20 = 0""",
        f"""INSERT INTO access_events (id, tenant_id, delivery_id, actor, action, at)
            {series} 'bench-v-' || n, '{tenant}', 'bench-d-' || n, 'customer', 'view_page', {delivered} + 60000 {source} WHERE n % 20 <> 0""",
        f"""INSERT INTO access_events (id, tenant_id, delivery_id, actor, action, at)
            {series} 'bench-o-' || n, '{tenant}', 'bench-d-' || n, 'customer', 'opt_out', {delivered} + 120000 {source} WHERE n % 100 = 3""",
        f"""INSERT INTO outbox_events (id, tenant_id, type, delivery_id, occurred_at)
            {series} 'bench-e-' || n, '{tenant}', 'delivered', 'bench-d-' || n, {delivered} {source} WHERE n % 20 <> 0""",
        f"""INSERT INTO outbox_messages (id, event_id, channel, state, attempts, next_attempt_at, sent_at, created_at)
            {series} 'bench-m-' || n, 'bench-e-' || n, 'email', CASE WHEN n % 50 = 7 THEN 'dead' ELSE 'done' END, 1, {delivered},
                CASE WHEN n % 50 = 7 THEN NULL ELSE {delivered} + 1500 + n % 1000 END, {delivered} {source} WHERE n % 20 <> 0""",
    ]


class Database:
    def __init__(self, engine, data, env):
        self.engine, self.data, self.env = engine, data, env

    def run(self, sql):
        if self.engine == "sqlite":
            with sqlite3.connect(Path(self.data) / "doorstep.sqlite", timeout=60) as db:
                return [tuple(row) for row in db.execute(sql)]
        done = subprocess.run(["psql", self.env["DOORSTEP_DATABASE"], "-v", "ON_ERROR_STOP=1", "-AtF", "|", "-c", sql],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"psql: {done.stderr.strip()}\n{sql}")
        out = done.stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]


def get(base, key, days):
    started = time.perf_counter()
    request = urllib.request.Request(f"{base}/api/v1/dashboard?days={days}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=600) as response:
        body = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, body


def measure(engine):
    env = dict(os.environ)
    if engine == "postgres":
        admin = os.environ["DOORSTEP_TEST_POSTGRES"]
        name = "doorstep_dash_" + os.urandom(4).hex()
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        env.update(DOORSTEP_DATABASE=admin.rsplit("/", 1)[0] + "/" + name)
        with tempfile.TemporaryDirectory(prefix="doorstep-migrate-") as keys:
            subprocess.run([str(BIN), "migrate", "--data", keys], check=True, env=env, capture_output=True)
    try:
        with serving("--outbox-worker=false", env=env) as (base, data, _):
            made = demo(data, base, 1, env=env)
            db = Database(engine, data, env)
            tenant, courier = db.run("SELECT tenant_id, id FROM couriers")[0]
            now = int(time.time() * 1000)
            started = time.perf_counter()
            for statement in seed_statements(engine, tenant, courier, now):
                db.run(statement)
            if engine == "postgres":
                db.run("ANALYZE")  # what autovacuum does after a bulk load; SQLite is left without statistics
            seeded_s = time.perf_counter() - started
            rows = {table: int(db.run(f"SELECT COUNT(*) FROM {table}")[0][0])
                    for table in ("deliveries", "photos", "delivery_attempts", "access_events", "outbox_messages")}

            first_ms, figures = get(base, made["api_key"], 90)
            # The figures are what was seeded, worked out here from the generator's rules, not by SQL.
            # The window the server counted (seeding may have crossed midnight since `now`).
            first_day = datetime.date.fromisoformat(figures["from"]) - datetime.date(1970, 1, 1)
            step, start = max(1, (90 * DAY - 3_600_000) // N), first_day.days * DAY
            end = start + 90 * DAY
            delivered = [n for n in range(N) if n % 20 != 0 and start <= now - n * step + 600_000 < end]
            with_photo = sum(1 for n in delivered if n % 10 != 5)
            opt_outs = sum(1 for n in range(N) if n % 100 == 3 and start <= now - n * step + 720_000 < end)
            assert figures["totals"]["delivered_with_photo"] == with_photo, (figures["totals"], with_photo)
            assert figures["totals"]["delivered_without_photo"] == len(delivered) - with_photo, figures["totals"]
            assert figures["totals"]["opt_outs"] == opt_outs, (figures["totals"], opt_outs)
            today = figures["daily"][-1]["delivered_with_photo"] + figures["daily"][-1]["delivered_without_photo"]
            # What a view counts from the records: today's hours not yet closed ten minutes.
            live_from = (int(time.time() * 1000) - SETTLE_HOUR) // HOUR * HOUR
            live = sum(1 for n in delivered if now - n * step + 600_000 >= max(live_from, end - DAY))
            views = {}
            for days in (7, 30, 90):
                times = sorted(get(base, made["api_key"], days)[0] for _ in range(VIEWS))
                views[f"{days}_days"] = {"median_ms": round(statistics.median(times), 2),
                                         "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2)}
            return {"rows": rows, "seed_s": round(seeded_s, 1), "first_90_day_view_ms": round(first_ms, 1),
                    "deliveries_today": today, "deliveries_counted_afresh_per_view": live, "views": views,
                    "delivered_with_photo_90_days": with_photo}
    finally:
        if engine == "postgres":
            subprocess.run(["psql", os.environ["DOORSTEP_TEST_POSTGRES"], "-qc", f"DROP DATABASE {name} WITH (FORCE)"], capture_output=True)


def main():
    engines = ["sqlite"] + (["postgres"] if os.environ.get("DOORSTEP_TEST_POSTGRES") else [])
    report = {"deliveries": N, "views_per_window": VIEWS}
    for engine in engines:
        report[engine] = measure(engine)
    report["note"] = ("Each view: one HTTP request on loopback (API key checked, figures read, JSON written), timed by the client. "
                      "The first 90-day view counts 89 closed days and today's closed hours from the records and keeps them; later views "
                      "read the kept days and hours and count only the hours not closed ten minutes ago. "
                      "PostgreSQL analysed after the bulk load, SQLite not.")
    publish("dashboard", f"Dashboard with {N:,} deliveries over 90 days", report)


if __name__ == "__main__":
    main()
