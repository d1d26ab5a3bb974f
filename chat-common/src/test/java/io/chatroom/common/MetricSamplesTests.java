package io.chatroom.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricSamplesTests {

    private final MetricSamples samples = new MetricSamples(new RedisKeys("t1"));

    @Test
    void everyKeySharesOneHashTagUnderThePrefix() {
        String source = MetricSamples.source(MetricSamples.CHAT_SERVER, "chat-1");
        assertThat(source).isEqualTo("chat:chat-1");
        assertThat(samples.sources()).isEqualTo("t1:{metrics}:sources");
        assertThat(samples.samples(source)).isEqualTo("t1:{metrics}:chat:chat-1");
        assertThat(samples.samples(source)).startsWith(samples.samplesPrefix());
    }
}
