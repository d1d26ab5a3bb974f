package io.chatroom.archiver.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.archiver.ArchiverIntegrationTest;
import io.chatroom.common.ChatMessage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

class HistoryIntegrationTests extends ArchiverIntegrationTest {
    private static final String ROOM = "paging";
    private static final int MESSAGES = 250;
    private static final String UI_ORIGIN = "http://localhost:8080";

    @BeforeEach
    void archiveOnce() {
        if (archivedCount(ROOM) == 0) {
            push(messages(ROOM, 1, MESSAGES));
            awaitArchived(ROOM, MESSAGES);
        }
    }

    @Test
    void pagesAreOldestFirstAndBoundedBySeq() {
        assertThat(seqs("")).containsExactlyElementsOf(range(201, 250));
        assertThat(seqs("?limit=200")).containsExactlyElementsOf(range(51, 250));
        assertThat(seqs("?beforeSeq=51&limit=20")).containsExactlyElementsOf(range(31, 50));
        assertThat(seqs("?beforeSeq=5")).containsExactlyElementsOf(range(1, 4));
        assertThat(seqs("?afterSeq=240")).containsExactlyElementsOf(range(241, 250));
        assertThat(seqs("?afterSeq=0&limit=3")).containsExactlyElementsOf(range(1, 3));
        assertThat(seqs("?afterSeq=10&beforeSeq=15")).containsExactlyElementsOf(range(11, 14));
        assertThat(seqs("?afterSeq=250")).isEmpty();
    }

    @Test
    void messagesKeepEveryFieldOfTheQueueEntry() {
        ChatMessage expected = messages(ROOM, 7, 1).get(0);
        List<ChatMessage> page = page(ROOM, "?afterSeq=6&limit=1");
        assertThat(page).hasSize(1);
        ChatMessage got = page.get(0);
        assertThat(got.room()).isEqualTo(ROOM);
        assertThat(got.seq()).isEqualTo(7);
        assertThat(got.sender()).isEqualTo(expected.sender());
        assertThat(got.text()).isEqualTo(expected.text());
        assertThat(got.sentAt()).isEqualTo(expected.sentAt());
        assertThat(got.id()).isNotBlank();
    }

    @Test
    void unknownRoomIsAnEmptyPage() {
        assertThat(page("never-used", "")).isEmpty();
    }

    @Test
    void badParametersAreProblemsNamingTheParameter() {
        assertBadParameter("/api/rooms/" + ROOM + "/messages?limit=0", "limit");
        assertBadParameter("/api/rooms/" + ROOM + "/messages?limit=201", "limit");
        assertBadParameter("/api/rooms/" + ROOM + "/messages?limit=ten", "limit");
        assertBadParameter("/api/rooms/" + ROOM + "/messages?beforeSeq=abc", "beforeSeq");
        assertBadParameter("/api/rooms/" + ROOM + "/messages?beforeSeq=0", "beforeSeq");
        assertBadParameter("/api/rooms/" + ROOM + "/messages?afterSeq=-1", "afterSeq");
        assertBadParameter(
                "/api/rooms/" + ROOM + "/messages?afterSeq=99999999999999999999", "afterSeq");
        assertBadParameter("/api/rooms/Not_Lower/messages", "room");
        assertBadParameter("/api/rooms/" + "a".repeat(65) + "/messages", "room");
    }

    @Test
    void corsAllowsTheWebUiOriginOnly() {
        HttpResponse<String> preflight =
                send(
                        HttpRequest.newBuilder(uri("/api/rooms/" + ROOM + "/messages"))
                                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                                .header("Origin", UI_ORIGIN)
                                .header("Access-Control-Request-Method", "GET")
                                .build());
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue(UI_ORIGIN);

        HttpResponse<String> simple = get("/api/rooms/" + ROOM + "/messages", "Origin", UI_ORIGIN);
        assertThat(simple.statusCode()).isEqualTo(200);
        assertThat(simple.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);

        HttpResponse<String> status = get("/api/archive/status", "Origin", UI_ORIGIN);
        assertThat(status.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);

        HttpResponse<String> foreign =
                get("/api/rooms/" + ROOM + "/messages", "Origin", "http://evil.example");
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void roomsListCountsAndLastActivity() {
        HttpResponse<String> response = get("/api/rooms");
        assertThat(response.statusCode()).isEqualTo(200);
        List<RoomInfo> rooms = json.readValue(response.body(), new TypeReference<>() {});
        assertThat(rooms)
                .filteredOn(r -> r.room().equals(ROOM))
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.messages()).isEqualTo(MESSAGES);
                            assertThat(r.lastSeq()).isEqualTo(MESSAGES);
                            assertThat(r.lastActivity())
                                    .isEqualTo(messages(ROOM, MESSAGES, 1).get(0).sentAt());
                        });
    }

    @Test
    void statusReportsLagAndArchivedTotal() {
        HttpResponse<String> response = get("/api/archive/status");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode status = json.readTree(response.body());
        assertThat(status.get("lag").asLong()).isZero();
        assertThat(status.get("archivedTotal").asLong()).isGreaterThanOrEqualTo(MESSAGES);
        assertThat(status.has("lastBackup")).isTrue();
    }

    @Test
    void readinessIncludesDatabaseAndRedis() {
        HttpResponse<String> response = get("/actuator/health/readiness");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode components = json.readTree(response.body()).get("components");
        assertThat(components.has("db")).isTrue();
        assertThat(components.has("redis")).isTrue();
        assertThat(components.has("backup")).isFalse();
    }

    private void assertBadParameter(String path, String parameter) {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("parameter").asString()).as(path).isEqualTo(parameter);
        assertThat(response.body()).doesNotContain("Exception", "at io.");
    }

    private List<Long> seqs(String query) {
        return page(ROOM, query).stream().map(ChatMessage::seq).toList();
    }

    private List<ChatMessage> page(String room, String query) {
        HttpResponse<String> response = get("/api/rooms/" + room + "/messages" + query);
        assertThat(response.statusCode()).as(query).isEqualTo(200);
        return json.readValue(response.body(), new TypeReference<>() {});
    }

    private static List<Long> range(long from, long toInclusive) {
        return LongStream.rangeClosed(from, toInclusive).boxed().toList();
    }
}
