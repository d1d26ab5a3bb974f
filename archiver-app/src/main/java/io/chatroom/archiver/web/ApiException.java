package io.chatroom.archiver.web;

import org.springframework.http.HttpStatus;

/**
 * A failure with a status the client should see, rendered as RFC 9457 problem+json; a {@code 400}
 * about a request parameter names it.
 */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final HttpStatus status;
    private final String parameter;

    public ApiException(HttpStatus status, String detail) {
        this(status, detail, null);
    }

    private ApiException(HttpStatus status, String detail, String parameter) {
        super(detail, null, false, false);
        this.status = status;
        this.parameter = parameter;
    }

    /** A request parameter out of its documented range: 400 naming the parameter. */
    public static ApiException badParameter(String parameter, String problem) {
        return new ApiException(HttpStatus.BAD_REQUEST, parameter + " " + problem, parameter);
    }

    public HttpStatus status() {
        return status;
    }

    /** The offending request parameter, or null. */
    public String parameter() {
        return parameter;
    }
}
