package io.chatroom.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml names every service, published port and healthcheck docs/operations.md
 * promises. No Docker engine is needed: the file is read as YAML (docker/check_compose.py checks
 * more, with Python).
 */
class ComposeFileTests {
    private static final String COMPOSE = "docker/compose.yaml";
    private static final String CLUSTER_OVERRIDE = "docker/compose.redis-cluster.yaml";
    private static final String READINESS = "/actuator/health/readiness";

    private static Map<String, Object> services;

    @BeforeAll
    static void readCompose() throws IOException {
        services = servicesOf(COMPOSE);
    }

    private static Map<String, Object> servicesOf(String file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        // Services share settings through YAML anchors and merge keys (<<: *app).
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        try (Reader reader = Files.newBufferedReader(repositoryRoot().resolve(file))) {
            Map<String, Object> compose = new Yaml(options).load(reader);
            return map(compose.get("services"));
        }
    }

    /**
     * The Redis Cluster override: six cluster-enabled nodes that announce their service names, a
     * one-shot init that waits for all of them, and every app of compose.yaml pointed at all six
     * nodes and started only after the cluster formed.
     */
    @Test
    void theRedisClusterOverrideGivesEveryAppTheWholeCluster() throws IOException {
        Map<String, Object> cluster = servicesOf(CLUSTER_OVERRIDE);
        List<String> nodes =
                cluster.keySet().stream().filter(name -> name.startsWith("redis-node-")).toList();
        assertThat(nodes).hasSize(6);
        for (String node : nodes) {
            String command = String.join(" ", strings(map(cluster.get(node)).get("command")));
            assertThat(command)
                    .contains("--cluster-enabled yes", "--cluster-announce-hostname " + node);
        }
        Map<String, Object> init = map(cluster.get("redis-cluster-init"));
        assertThat(map(init.get("depends_on"))).containsOnlyKeys(nodes.toArray(String[]::new));
        assertThat(String.join(" ", strings(init.get("command"))))
                .contains("--cluster create", "--cluster-replicas 1");

        List<String> apps =
                services.keySet().stream()
                        .filter(name -> map(services.get(name)).containsKey("build"))
                        .toList();
        assertThat(apps).hasSize(6);
        for (String app : apps) {
            Map<String, Object> s = map(cluster.get(app));
            String clusterNodes =
                    (String) map(s.get("environment")).get("SPRING_DATA_REDIS_CLUSTER_NODES");
            assertThat(clusterNodes.split(","))
                    .containsExactlyInAnyOrder(
                            nodes.stream().map(n -> n + ":6379").toArray(String[]::new));
            assertThat(map(map(s.get("depends_on")).get("redis-cluster-init")).get("condition"))
                    .isEqualTo("service_completed_successfully");
        }
    }

    @Test
    void namesEveryService() {
        assertThat(services)
                .containsKeys(
                        "redis",
                        "postgres",
                        "coordinator-1",
                        "coordinator-2",
                        "chat-1",
                        "chat-2",
                        "chat-3",
                        "archiver");
    }

    @ParameterizedTest
    @CsvSource({
        "coordinator-1, coordinator-app, 8080, 8080",
        "coordinator-2, coordinator-app, 8083, 8080",
        "chat-1, chat-app, 8081, 8081",
        "chat-2, chat-app, 8082, 8081",
        "chat-3, chat-app, 8084, 8081",
        "archiver, archiver-app, 8090, 8090"
    })
    void appServicePublishesItsPortAndChecksReadiness(
            String service, String app, int published, int container) {
        Map<String, Object> s = map(services.get(service));
        assertThat(map(map(s.get("build")).get("args")).get("APP")).isEqualTo(app);
        assertThat(list(s.get("ports"))).contains(published + ":" + container);
        assertThat(map(s.get("environment")).get("SERVER_PORT")).isEqualTo(container + "");

        String healthcheck = String.join(" ", strings(map(s.get("healthcheck")).get("test")));
        assertThat(healthcheck).contains("http://127.0.0.1:" + container + READINESS);

        Map<String, Object> dependsOn = map(s.get("depends_on"));
        assertThat(dependsOn).containsKeys("redis", "postgres");
        dependsOn
                .values()
                .forEach(d -> assertThat(map(d).get("condition")).isEqualTo("service_healthy"));
        assertThat(s.get("stop_grace_period")).as("room for graceful shutdown").isNotNull();
    }

    @Test
    void chatAppsStartAfterCoordinatorsAndArchiver() {
        for (String chat : List.of("chat-1", "chat-2", "chat-3")) {
            assertThat(map(map(services.get(chat)).get("depends_on")))
                    .containsKeys("coordinator-1", "coordinator-2", "archiver");
        }
    }

    @Test
    void redisKeepsAnAppendOnlyFileAndStoresHaveHealthchecks() {
        Map<String, Object> redis = map(services.get("redis"));
        String command = String.join(" ", strings(redis.get("command")));
        assertThat(command).contains("--appendonly yes");
        assertThat(list(redis.get("volumes"))).anyMatch(v -> v.toString().endsWith(":/data"));
        assertThat(String.join(" ", strings(map(redis.get("healthcheck")).get("test"))))
                .contains("redis-cli ping");
        Map<String, Object> postgres = map(services.get("postgres"));
        assertThat(String.join(" ", strings(map(postgres.get("healthcheck")).get("test"))))
                .contains("pg_isready");
        assertThat(list(postgres.get("volumes")))
                .anyMatch(v -> v.toString().endsWith(":/var/lib/postgresql/data"));
    }

    /** Walks up from the working directory (a module, under Maven) to the repository root. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(COMPOSE))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                COMPOSE + " not found above " + Path.of("").toAbsolutePath());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }

    /** A healthcheck test or command: a list of words, or one string. */
    private static List<String> strings(Object value) {
        if (value instanceof String s) {
            return List.of(s);
        }
        return list(value).stream().map(Object::toString).toList();
    }
}
