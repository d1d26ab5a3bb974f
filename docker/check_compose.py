#!/usr/bin/env python3
"""Static checks of docker/ without a Docker engine (none runs on the build machines).

Checks that compose.yaml parses, interpolates with an .env like .env.example (and refuses the
example as-is), names every app with its port and readiness healthcheck, that dependants wait
for service_healthy, that Prometheus scrapes every app, and that the Grafana dashboard parses
and queries the chatroom.* meters docs/operations.md lists.

    python3 docker/check_compose.py [--schema path/to/compose-spec.json]

Needs PyYAML; --schema additionally needs jsonschema.
"""

import json
import pathlib
import re
import sys

import yaml

DOCKER = pathlib.Path(__file__).resolve().parent

# service -> (app, container port, published port); docs/operations.md shows the same table.
APPS = {
    "coordinator-1": ("coordinator-app", 8080, 8080),
    "coordinator-2": ("coordinator-app", 8080, 8083),
    "chat-1": ("chat-app", 8081, 8081),
    "chat-2": ("chat-app", 8081, 8082),
    "chat-3": ("chat-app", 8081, 8084),
    "archiver": ("archiver-app", 8090, 8090),
}
DASHBOARD_METRICS = [
    "chatroom_messages_published_total",
    "chatroom_messages_forwarded_total",
    "chatroom_sessions",
    "chatroom_relay_gap_repairs_total",
    "chatroom_archive_lag",
    "chatroom_backup_last_age_seconds",
    "chatroom_delivery_latency_seconds_bucket",
]
VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def interpolate(text, env):
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR:?error} substitution."""

    def replace(match):
        name, op, arg = match.groups()
        value = env.get(name, "")
        if op == "?" and not value:
            raise ValueError(f"{name}: {arg}")
        if op == "-" and not value:
            return arg
        return value

    return VAR.sub(replace, text)


def read_env(path):
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    return env


def main():
    raw = (DOCKER / "compose.yaml").read_text()
    example = read_env(DOCKER / ".env.example")
    try:
        interpolate(raw, example)
        failures.append(".env.example must not be usable as-is (compose accepted it)")
    except ValueError as refused:
        print(f"ok: compose refuses .env.example as-is ({refused})")
    for key in ("CHATROOM_AUTH_SECRET", "CHATROOM_CLUSTER_KEY"):
        check(len(example.get(key, "").encode()) < 32, f".env.example {key} must be < 32 bytes")

    strong = {k: "x" * 48 for k in example}
    compose = yaml.safe_load(interpolate(raw, strong))
    services = compose["services"]

    if "--schema" in sys.argv:
        import jsonschema

        schema = json.loads(pathlib.Path(sys.argv[sys.argv.index("--schema") + 1]).read_text())
        # Older published schemas lack the top-level project name.
        schema.setdefault("properties", {}).setdefault("name", {"type": "string"})
        jsonschema.validate(compose, schema)
        print("ok: compose.yaml validates against the compose-spec JSON schema")

    for name, (app, port, published) in APPS.items():
        service = services.get(name)
        check(service is not None, f"service {name} missing")
        if service is None:
            continue
        check(service["build"]["args"]["APP"] == app, f"{name}: APP != {app}")
        check(str(service["environment"]["SERVER_PORT"]) == str(port), f"{name}: SERVER_PORT")
        check(f"{published}:{port}" in service.get("ports", []), f"{name}: publishes {published}")
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        check(
            f"127.0.0.1:{port}/actuator/health/readiness" in test,
            f"{name}: readiness healthcheck on {port}",
        )
        if app == "chat-app":
            env = service["environment"]
            check(env["CHATROOM_SERVER_ID"] == name, f"{name}: server id")
            check(
                env["CHATROOM_PUBLIC_URL"] == f"http://localhost:{published}",
                f"{name}: public url must be the published port",
            )

    for name, service in services.items():
        check("healthcheck" in service, f"{name}: no healthcheck")
        for dep, how in (service.get("depends_on") or {}).items():
            check(how.get("condition") == "service_healthy", f"{name} -> {dep}: not healthy")
            check("healthcheck" in services[dep], f"{name} -> {dep}: dep has no healthcheck")

    redis = " ".join(services["redis"]["command"])
    check("--appendonly yes" in redis and "--appendfsync everysec" in redis, "redis AOF")
    check(services["postgres"]["image"].startswith("postgres:15"), "postgres major 15")
    archiver_pg = services["archiver"]["build"]["args"].get("PG_MAJOR")
    check(archiver_pg == "15", "archiver PG_MAJOR must match the postgres image")

    prometheus = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    targets = {
        target
        for job in prometheus["scrape_configs"]
        if job.get("metrics_path") == "/actuator/prometheus"
        for static in job["static_configs"]
        for target in static["targets"]
    }
    expected = {f"{name}:{port}" for name, (_, port, _) in APPS.items()}
    check(targets == expected, f"prometheus targets {sorted(targets)} != {sorted(expected)}")

    for dashboard in (DOCKER / "grafana" / "dashboards").glob("*.json"):
        exprs = " ".join(
            target["expr"]
            for panel in json.loads(dashboard.read_text())["panels"]
            for target in panel["targets"]
        )
        for metric in DASHBOARD_METRICS:
            check(re.search(rf"\b{metric}\b", exprs), f"{dashboard.name}: no panel queries {metric}")
        print(f"ok: {dashboard.name} parses")

    docs = DOCKER.parent / "docs" / "operations.md"
    if docs.exists():
        text = docs.read_text()
        for name, (_, _, published) in APPS.items():
            check(
                re.search(rf"`{re.escape(name)}`.*\b{published}\b", text) is not None,
                f"operations.md does not list {name} on {published}",
            )
        for metric in DASHBOARD_METRICS:
            base = re.sub(r"_(total|bucket)$", "", metric)
            check(base in text, f"operations.md does not mention {base}")

    for failure in failures:
        print("FAIL:", failure)
    print("compose checks:", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
