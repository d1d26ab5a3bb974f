package io.chatroom.chat.stomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InlineSendCompletionsTests {

    /** Named like Tomcat's completion task, which is what the hook recognises. */
    static final class WsRemoteEndpointImplServer {
        static final class OnResultRunnable implements Runnable {
            final List<String> log;

            OnResultRunnable(List<String> log) {
                this.log = log;
            }

            @Override
            public void run() {
                log.add("completed on " + Thread.currentThread().getName());
            }
        }
    }

    @Test
    void aCompletionHandedOverDuringASendRunsOnTheSendingThread() {
        List<String> log = new ArrayList<>();
        boolean[] inline = new boolean[1];

        InlineSendCompletions.send(
                () ->
                        inline[0] =
                                InlineSendCompletions.runInline(
                                        new WsRemoteEndpointImplServer.OnResultRunnable(log)));

        assertThat(inline[0]).isTrue();
        assertThat(log).containsExactly("completed on " + Thread.currentThread().getName());
    }

    @Test
    void outsideASendOrForOtherTasksTheExecutorRunsThem() {
        List<String> log = new ArrayList<>();

        assertThat(
                        InlineSendCompletions.runInline(
                                new WsRemoteEndpointImplServer.OnResultRunnable(log)))
                .isFalse();
        boolean[] other = new boolean[1];
        InlineSendCompletions.send(
                () -> other[0] = InlineSendCompletions.runInline(() -> log.add("other task")));

        assertThat(other[0]).isFalse();
        assertThat(log).isEmpty();
    }
}
