package io.chatroom.coordinator.web;

import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A failure with a status the client should see, rendered as RFC 9457 problem+json; for {@code 400}
 * it names the offending fields.
 */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** One invalid request member and why. */
    public record FieldProblem(String field, String message) {}

    private final HttpStatus status;
    private final transient List<FieldProblem> fieldProblems;
    private final transient Map<String, String> headers;

    public ApiException(HttpStatus status, String detail) {
        this(status, detail, List.of(), Map.of());
    }

    public ApiException(
            HttpStatus status,
            String detail,
            List<FieldProblem> fieldProblems,
            Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.fieldProblems = List.copyOf(fieldProblems);
        this.headers = Map.copyOf(headers);
    }

    /** A 400 naming every invalid field; the detail repeats the first problem. */
    public static ApiException invalid(List<FieldProblem> problems) {
        FieldProblem first = problems.get(0);
        return new ApiException(
                HttpStatus.BAD_REQUEST, first.field() + ": " + first.message(), problems, Map.of());
    }

    public HttpStatus status() {
        return status;
    }

    public List<FieldProblem> fieldProblems() {
        return fieldProblems;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
