package io.chatroom.coordinator.config;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Application-wide switches: scheduling and the start-up secret check. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class AppConfig {

    @Bean
    static BeanFactoryPostProcessor secretCheck(Environment environment) {
        return new SecretCheck(environment);
    }
}
