package io.chatroom.archiver.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/** One exception type, every status: the problem+json bodies the archiver has always sent. */
class ApiProblemsTests {
    private final ApiProblems problems = new ApiProblems();

    @Test
    void anApiExceptionIsAProblemWithItsStatusAndDetail() {
        for (HttpStatus status :
                List.of(
                        HttpStatus.UNAUTHORIZED,
                        HttpStatus.CONFLICT,
                        HttpStatus.SERVICE_UNAVAILABLE)) {
            ProblemDetail problem = problems.api(new ApiException(status, "why"));
            assertThat(problem.getStatus()).isEqualTo(status.value());
            assertThat(problem.getTitle()).isEqualTo(status.getReasonPhrase());
            assertThat(problem.getDetail()).isEqualTo("why");
            assertThat(problem.getProperties()).isNull();
        }
    }

    @Test
    void aBadParameterIs400NamingIt() {
        ProblemDetail problem =
                problems.api(ApiException.badParameter("limit", "must be between 1 and 200"));
        assertThat(problem.getStatus()).isEqualTo(400);
        assertThat(problem.getDetail()).isEqualTo("limit must be between 1 and 200");
        assertThat(problem.getProperties()).containsEntry("parameter", "limit");
    }
}
