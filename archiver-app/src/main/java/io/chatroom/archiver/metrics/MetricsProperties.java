package io.chatroom.archiver.metrics;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The archiver's samples for the dashboard ({@code chatroom.metrics.*}; defaults in
 * application.yaml): how often one is written and how long they are kept (keep it equal to the
 * coordinator's {@code chatroom.metrics.history}).
 */
@ConfigurationProperties("chatroom.metrics")
public record MetricsProperties(Duration sampleInterval, Duration history) {}
