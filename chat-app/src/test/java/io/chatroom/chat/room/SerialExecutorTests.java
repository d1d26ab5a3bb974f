package io.chatroom.chat.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.chat.stomp.WriteBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * A room's executor: tasks run one at a time in submission order; live messages run inside a {@link
 * WriteBatch} (their frames leave together), every other task, which may wait on Redis, outside
 * one, and no batch outlives the run, a failing task's included.
 */
class SerialExecutorTests {
    private final Queue<Runnable> pool = new ArrayDeque<>();
    private final SerialExecutor executor = new SerialExecutor(pool::add);
    private final List<String> seen = new ArrayList<>();

    @Test
    void liveTasksRunInsideAWriteBatchAndOtherTasksOutsideOneInSubmissionOrder() {
        executor.executeBatched(() -> note("live 1"));
        executor.executeBatched(() -> note("live 2"));
        executor.execute(() -> note("sync"));
        executor.executeBatched(() -> note("live 3"));

        assertThat(pool).as("one drain for the whole run").hasSize(1);
        runPool();

        assertThat(seen)
                .containsExactly(
                        "live 1 in a batch",
                        "live 2 in a batch",
                        "sync outside",
                        "live 3 in a batch");
        assertThat(WriteBatch.isOpen()).as("no batch left after the run").isFalse();
    }

    @Test
    void aFailingLiveTaskLeavesNoBatchOpenAndTheRunGoesOn() {
        executor.executeBatched(
                () -> {
                    throw new IllegalStateException("a bad message");
                });
        executor.executeBatched(() -> note("live 2"));

        runPool();

        assertThat(seen).containsExactly("live 2 in a batch");
        assertThat(WriteBatch.isOpen()).isFalse();
    }

    @Test
    void aTaskQueuedWhileTheRunEndsGetsARunOfItsOwn() {
        executor.executeBatched(
                () -> {
                    note("live 1");
                    executor.execute(() -> note("presence"));
                });

        runPool();

        assertThat(seen).containsExactly("live 1 in a batch", "presence outside");
        assertThat(pool).isEmpty();
    }

    private void note(String task) {
        seen.add(task + (WriteBatch.isOpen() ? " in a batch" : " outside"));
    }

    private void runPool() {
        Runnable drain;
        while ((drain = pool.poll()) != null) {
            drain.run();
        }
    }
}
