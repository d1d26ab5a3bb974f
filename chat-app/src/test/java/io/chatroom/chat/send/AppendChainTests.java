package io.chatroom.chat.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AppendChainTests {
    private final SendInterceptor.AppendChain chain = new SendInterceptor.AppendChain();

    @Test
    void eachAppendStartsOnlyAfterThePreviousOneEndedEvenIfItFailed() {
        List<String> started = new ArrayList<>();
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();

        CompletableFuture<String> a =
                chain.then(
                        () -> {
                            started.add("a");
                            return first;
                        });
        CompletableFuture<String> b =
                chain.then(
                        () -> {
                            started.add("b");
                            return second;
                        });
        CompletableFuture<String> c =
                chain.then(
                        () -> {
                            started.add("c");
                            return CompletableFuture.completedFuture("c");
                        });

        assertThat(started).containsExactly("a");
        first.completeExceptionally(new IllegalStateException("store down"));
        assertThat(started).containsExactly("a", "b");
        assertThat(c).isNotDone();
        second.complete("b");

        assertThat(started).containsExactly("a", "b", "c");
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedWithValue("b");
        assertThat(c).isCompletedWithValue("c");
    }
}
