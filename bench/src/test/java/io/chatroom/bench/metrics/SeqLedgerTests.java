package io.chatroom.bench.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeqLedgerTests {

    @Test
    void inOrderStreamIsCompleteWithNothingToReport() {
        SeqLedger ledger = new SeqLedger(10, 3);

        ledger.record(10, 1);
        ledger.record(11, 2);
        ledger.record(12, 3);

        assertThat(ledger.complete()).isTrue();
        assertThat(ledger.lost()).isZero();
        assertThat(ledger.duplicates()).isZero();
        assertThat(ledger.outOfOrder()).isZero();
        assertThat(ledger.gaps()).isZero();
        assertThat(ledger.lastArrivalNanos()).isEqualTo(3);
    }

    @Test
    void duplicatesAreCountedOnceAndNotAsNewMessages() {
        SeqLedger ledger = new SeqLedger(1, 3);

        assertThat(ledger.record(1, 1)).isTrue();
        assertThat(ledger.record(1, 2)).isFalse();
        assertThat(ledger.record(2, 3)).isTrue();

        assertThat(ledger.duplicates()).isEqualTo(1);
        assertThat(ledger.distinct()).isEqualTo(2);
        assertThat(ledger.lost()).isEqualTo(1);
        assertThat(ledger.complete()).isFalse();
    }

    @Test
    void aJumpIsAGapAndTheLateMessageIsOutOfOrder() {
        SeqLedger ledger = new SeqLedger(1, 4);

        ledger.record(1, 1);
        ledger.record(3, 2);
        ledger.record(2, 3);
        ledger.record(4, 4);

        assertThat(ledger.gaps()).isEqualTo(1);
        assertThat(ledger.outOfOrder()).isEqualTo(1);
        assertThat(ledger.lost()).isZero();
        assertThat(ledger.complete()).isTrue();
    }

    @Test
    void neverReceivedMessagesAreLost() {
        SeqLedger ledger = new SeqLedger(1, 5);

        ledger.record(1, 1);
        ledger.record(4, 2);

        assertThat(ledger.lost()).isEqualTo(3);
        assertThat(ledger.gaps()).isEqualTo(1);
        assertThat(ledger.outOfOrder()).isZero();
    }

    @Test
    void firstMessageMissingCountsAsAGap() {
        SeqLedger ledger = new SeqLedger(100, 2);

        ledger.record(101, 1);

        assertThat(ledger.gaps()).isEqualTo(1);
        assertThat(ledger.lost()).isEqualTo(1);
    }

    @Test
    void messagesOutsideTheWindowAreSetAside() {
        SeqLedger ledger = new SeqLedger(10, 2);

        assertThat(ledger.record(9, 1)).isFalse();
        assertThat(ledger.record(12, 2)).isFalse();
        ledger.record(10, 3);
        ledger.record(11, 4);

        assertThat(ledger.beforeWindow()).isEqualTo(1);
        assertThat(ledger.beyondWindow()).isEqualTo(1);
        assertThat(ledger.complete()).isTrue();
        assertThat(ledger.outOfOrder()).isZero();
        assertThat(ledger.duplicates()).isZero();
    }
}
