package io.fieldline.sink.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisRepliesTest {

    private static final String SCRIPT_6 =
            "ERR Error running script (call to f_a32970f28f7e83f8e63d301845c0b2a16df7238c): @user_script:1: ";

    @ParameterizedTest
    @ValueSource(
            strings = {
                "WRONGTYPE Operation against a key holding the wrong kind of value",
                // Redis 6 wraps what a script's redis.call got; Redis 7 keeps the code and appends the script
                SCRIPT_6 + "WRONGTYPE Operation against a key holding the wrong kind of value",
                "WRONGTYPE Operation against a key holding the wrong kind of value script: a3297, on @user_script:1.",
                SCRIPT_6 + "ERR value is not an integer or out of range",
                SCRIPT_6 + "user_script:1: attempt to compare number with nil",
                "ERR user_script:1: attempt to compare number with nil script: a3297, on @user_script:1.",
                "ERR invalid expire time in 'set' command",
                "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
            })
    void shouldBlameTheRecordOnlyForErrorsTheRecordCauses(String reply) {
        assertThat(RedisReplies.isTransient(new RedisCommandExecutionException(reply)))
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
                "NOPERM this user has no permissions to run the 'evalsha' command or its subcommand",
                "NOAUTH Authentication required.",
                "OOM command not allowed when used memory > 'maxmemory'.",
                SCRIPT_6 + "OOM command not allowed when used memory > 'maxmemory'.",
                SCRIPT_6 + "@user_script: 1: This Redis command is not allowed from scripts",
                "NOSCRIPT No matching script. Please use EVAL.",
                "LOADING Redis is loading the dataset in memory",
                "READONLY You can't write against a read only replica.",
                "ERR max number of clients reached",
                "ERR unknown command 'EVALSHA'",
                "SOMENEWCODE an error this sink has never heard of",
            })
    void shouldTreatServerConditionsAndUnknownErrorsAsTransient(String reply) {
        assertThat(RedisReplies.isTransient(new RedisCommandExecutionException(reply)))
                .isTrue();
    }
}
