package io.fieldline.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A Redis ACL user from sink.redis.user and sink.redis.password (not the URL) logs in; a wrong password does not. */
@ExtendWith(EmbeddedStackExtension.class)
class RedisCredentialsIT {

    @Test
    void shouldLogInAsTheAclUserOfTheKeysAndRefuseAWrongPassword(EmbeddedStack stack) {
        String user = "sink-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "acl-" + UUID.randomUUID();
        RedisClient admin = RedisClient.create(stack.redis().url());
        try (StatefulRedisConnection<String, String> connection = admin.connect()) {
            connection
                    .sync()
                    .aclSetuser(
                            user,
                            io.lettuce.core.AclSetuserArgs.Builder.on()
                                    .addPassword(password)
                                    .allKeys()
                                    .allCommands());
        } finally {
            admin.shutdown();
        }

        Map<String, Object> settings = new HashMap<>();
        settings.put(SinkConfig.REDIS_URL, stack.redis().url());
        settings.put(SinkConfig.REDIS_USER, user);
        settings.put(SinkConfig.REDIS_PASSWORD, password);
        RedisClient client = RedisClient.create(new SinkConfig(settings).redisUri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().aclWhoami()).isEqualTo(user);
        } finally {
            client.shutdown();
        }

        settings.put(SinkConfig.REDIS_PASSWORD, "not-" + password);
        RedisClient wrong = RedisClient.create(new SinkConfig(settings).redisUri());
        try {
            assertThatThrownBy(wrong::connect)
                    .isInstanceOf(RedisConnectionException.class)
                    .hasStackTraceContaining("WRONGPASS");
        } finally {
            wrong.shutdown();
        }
    }
}
