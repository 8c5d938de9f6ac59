package io.fieldline.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MosquittoPasswordHashTest {

    private static final Path MOSQUITTO_PASSWD = Path.of("/usr/bin/mosquitto_passwd");

    @Test
    void shouldDeriveTheSameHashAsMosquittoPasswdForItsSaltAndIterations(@TempDir Path dir) throws Exception {
        assumeTrue(
                Files.isExecutable(MOSQUITTO_PASSWD), "mosquitto_passwd is not installed (apt-get install mosquitto)");
        Path file = dir.resolve("passwords");
        // Non-ASCII on purpose: Mosquitto derives the key from the UTF-8 bytes.
        String password = "s3cret-\u00e9\u00df-\u20ac";
        Process process = new ProcessBuilder(
                        MOSQUITTO_PASSWD.toString(), "-c", "-b", file.toString(), "dev-1", password)
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        String line = Files.readAllLines(file, StandardCharsets.UTF_8).get(0);
        assertThat(line).startsWith("dev-1:$7$");
        String stored = line.substring("dev-1:".length());
        MosquittoPasswordHash theirs = MosquittoPasswordHash.parse(stored);

        MosquittoPasswordHash ours = MosquittoPasswordHash.of(password, theirs.salt(), theirs.iterations());

        assertThat(ours.encoded()).isEqualTo(stored);
        assertThat(theirs.matches(password)).isTrue();
        assertThat(theirs.matches("s3cret")).isFalse();
    }

    @Test
    void shouldWriteTheFormatMosquittoReads() {
        MosquittoPasswordHash hash = MosquittoPasswordHash.of("pw");

        String[] parts = hash.encoded().split("\\$");

        assertThat(parts).hasSize(5);
        assertThat(parts[1]).isEqualTo("7");
        assertThat(parts[2]).isEqualTo(Integer.toString(MosquittoPasswordHash.DEFAULT_ITERATIONS));
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(MosquittoPasswordHash.SALT_BYTES);
        assertThat(Base64.getDecoder().decode(parts[4])).hasSize(MosquittoPasswordHash.HASH_BYTES);
        assertThat(MosquittoPasswordHash.parse(hash.encoded())).isEqualTo(hash);
    }

    @Test
    void shouldMatchOnlyThePasswordItWasMadeFromWithAFreshSaltEachTime() {
        MosquittoPasswordHash first = MosquittoPasswordHash.of("correct horse", 1000);
        MosquittoPasswordHash second = MosquittoPasswordHash.of("correct horse", 1000);

        assertThat(first.matches("correct horse")).isTrue();
        assertThat(first.matches("correct horse".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(first.matches("correct hors")).isFalse();
        assertThat(first.matches("")).isFalse();
        assertThat(first.matches((String) null)).isFalse();
        assertThat(first.encoded()).isNotEqualTo(second.encoded());
    }

    @Test
    void shouldNeverShowTheHashInItsStringForm() {
        MosquittoPasswordHash hash = MosquittoPasswordHash.of("pw", 1000);

        assertThat(hash.toString())
                .doesNotContain(Base64.getEncoder().encodeToString(hash.hash()))
                .doesNotContain(Base64.getEncoder().encodeToString(hash.salt()))
                .contains("1000 iterations");
    }

    @Test
    void shouldRefuseMalformedHashesWithAReasonThatDoesNotEchoThem() {
        String salt = Base64.getEncoder().encodeToString(new byte[12]);
        String key = Base64.getEncoder().encodeToString(new byte[64]);
        assertThatThrownBy(() -> MosquittoPasswordHash.parse("$6$" + salt + "$" + key))
                .hasMessageContaining("does not start with $7$");
        assertThatThrownBy(() -> MosquittoPasswordHash.parse("$7$abc$" + salt + "$" + key))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> MosquittoPasswordHash.parse("$7$10$" + salt + "$" + key))
                .hasMessageContaining("between");
        assertThatThrownBy(() -> MosquittoPasswordHash.parse("$7$1000$" + salt + "$" + salt))
                .hasMessageContaining("64-byte")
                .message()
                .doesNotContain(salt);
        assertThatThrownBy(() -> MosquittoPasswordHash.parse("$7$1000$!!$" + key))
                .hasMessageContaining("not base64")
                .message()
                .doesNotContain(key);
        assertThatThrownBy(() -> MosquittoPasswordHash.parse("$7$1000$" + salt)).hasMessageContaining("has the form");
    }

    @Test
    void shouldKeepAConnectCheapAtTheDefaultIterations() {
        String encoded = MosquittoPasswordHash.of("warm-up").encoded();
        MosquittoPasswordHash hash = MosquittoPasswordHash.parse(encoded);
        hash.matches("warm-up");
        long begin = System.nanoTime();
        int rounds = 10;
        for (int i = 0; i < rounds; i++) {
            assertThat(hash.matches("warm-up")).isTrue();
        }
        long perCheckMillis = (System.nanoTime() - begin) / rounds / 1_000_000;
        // About 10 ms here; a generous bound so a loaded CI machine does not fail it.
        assertThat(perCheckMillis).as("ms per password check").isLessThan(200);
    }
}
