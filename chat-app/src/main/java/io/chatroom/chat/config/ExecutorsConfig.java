package io.chatroom.chat.config;

import io.chatroom.chat.ChatroomProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/** The chat-app's own threads: periodic work and the relay's per-room workers. */
@Configuration(proxyBeanMethods = false)
class ExecutorsConfig {

    /** Runs heartbeats, relay re-syncs, presence refreshes and revocation re-checks. */
    private static final int SCHEDULER_THREADS = 2;

    @Bean
    ThreadPoolTaskScheduler chatTaskScheduler() {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setPoolSize(SCHEDULER_THREADS);
        scheduler.setThreadNamePrefix("chat-periodic-");
        scheduler.setWaitForTasksToCompleteOnShutdown(false);
        return scheduler;
    }

    @Bean
    ThreadPoolTaskExecutor relayExecutor(ChatroomProperties properties) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(properties.relay().workerThreads());
        executor.setMaxPoolSize(properties.relay().workerThreads());
        executor.setThreadNamePrefix("chat-relay-");
        return executor;
    }
}
