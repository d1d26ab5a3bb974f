package io.chatroom.coordinator.config;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Application-wide switches: scheduling. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class AppConfig {}
