package io.chatroom.coordinator.metrics;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The dashboard's metric history ({@code chatroom.metrics.*}; defaults in application.yaml): how
 * far back samples are kept and served, and after how long without a sample a source counts as
 * stopped.
 */
@ConfigurationProperties("chatroom.metrics")
public record MetricsProperties(Duration history, Duration staleAfter) {}
