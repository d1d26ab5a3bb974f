package io.chatroom.archiver.backup;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * "backup" in /actuator/health: DOWN while the latest run failed. Not part of the readiness group,
 * so a broken pg_dump never takes the history API out of a load balancer.
 */
@Component
class BackupHealthIndicator extends AbstractHealthIndicator {
    private final Backups backups;

    BackupHealthIndicator(Backups backups) {
        this.backups = backups;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Backups.Attempt last = backups.lastAttempt();
        BackupInfo newest = backups.lastBackup();
        if (last != null && !last.succeeded()) {
            builder.down().withDetail("lastAttempt", last.time()).withDetail("error", last.error());
        } else {
            builder.up();
            if (last != null) {
                builder.withDetail("lastAttempt", last.time());
            }
        }
        builder.withDetail("lastBackup", newest == null ? "none" : newest.name());
    }
}
