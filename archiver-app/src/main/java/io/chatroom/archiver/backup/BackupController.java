package io.chatroom.archiver.backup;

import io.chatroom.archiver.config.ChatroomProperties;
import io.chatroom.archiver.web.ApiException;
import io.chatroom.common.ChatRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Lists backups for anyone; taking one needs the cluster key. */
@RestController
class BackupController {
    private final Backups backups;
    private final byte[] clusterKey;

    BackupController(Backups backups, ChatroomProperties properties) {
        this.backups = backups;
        this.clusterKey = properties.clusterKey().getBytes(StandardCharsets.UTF_8);
    }

    @GetMapping("/api/backups")
    List<BackupInfo> list() {
        return backups.list();
    }

    @PostMapping("/api/backups")
    @ResponseStatus(HttpStatus.CREATED)
    BackupInfo take(
            @RequestHeader(name = ChatRules.CLUSTER_KEY_HEADER, required = false) String key) {
        if (key == null
                || !MessageDigest.isEqual(clusterKey, key.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(
                    HttpStatus.UNAUTHORIZED, "Missing or wrong " + ChatRules.CLUSTER_KEY_HEADER);
        }
        return backups.take();
    }
}
