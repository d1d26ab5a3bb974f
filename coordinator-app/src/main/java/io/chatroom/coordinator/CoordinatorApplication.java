package io.chatroom.coordinator;

import io.chatroom.common.SecretCheck;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

@SpringBootApplication
@ConfigurationPropertiesScan
public class CoordinatorApplication {

    public static void main(String[] args) {
        SpringApplication.run(CoordinatorApplication.class, args);
    }

    /** Outside the dev/local profiles, refuses to start with a weak token secret or cluster key. */
    @Bean
    static SecretCheck secretCheck(Environment environment) {
        return new SecretCheck(environment, SecretCheck.AUTH_SECRET, SecretCheck.CLUSTER_KEY);
    }
}
