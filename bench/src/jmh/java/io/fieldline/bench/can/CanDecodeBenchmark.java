package io.fieldline.bench.can;

import io.fieldline.bridge.can.CanReadingMapper;
import io.fieldline.bridge.can.SignalMapping;
import io.fieldline.can.CanFrame;
import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcParser;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.can.decode.DecodedSignals;
import io.fieldline.can.decode.MessageDecoder;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decode throughput on one thread: frames/s (the benchmark's score) and signals/s (the {@code signals} aux
 * counter). A typical 8-byte message with 6 signals (Intel and Motorola, signed and scaled, one crossing byte
 * boundaries), a 64-byte CAN FD message with 24 signals, the id lookup plus decode, and the whole way to
 * {@code Reading} objects.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CanDecodeBenchmark {

    private static final Instant FRAMES_RECEIVED = Instant.ofEpochSecond(1_700_000_001L);

    private static final String DBC = """
            VERSION "bench"
            BU_: Climate
            BO_ 256 Climate: 8 Climate
             SG_ AirTemperature : 0|16@1- (0.01,0) [-40|85] "degC" Climate
             SG_ RelativeHumidity : 16|10@1+ (0.1,0) [0|100] "%" Climate
             SG_ Co2 : 26|14@1+ (1,0) [0|10000] "ppm" Climate
             SG_ Ppfd : 47|12@0+ (0.5,0) [0|2000] "umol/m2/s" Climate
             SG_ FanSpeed : 51|12@0- (2,0) [-4096|4094] "rpm" Climate
             SG_ State : 61|3@1+ (1,0) [0|7] "" Climate
            BO_ 1280 Spectrum: 64 Climate
            SPECTRUM_SIGNALS
            VAL_ 256 State 0 "Off" 1 "Idle" 2 "Heating" 3 "Cooling" ;
            """;

    /** Counts the signals decoded per iteration; JMH reports them per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Signals {
        public long signals;

        @Setup(Level.Iteration)
        public void reset() {
            signals = 0;
        }
    }

    private DbcDecoder decoder;
    private MessageDecoder climate;
    private MessageDecoder spectrum;
    private CanReadingMapper mapper;
    private final DecodedSignals out = new DecodedSignals();
    private byte[][] classic;
    private byte[][] fd;
    private CanFrame[] frames;
    private int next;

    @Setup
    public void setUp() {
        StringBuilder fdSignals = new StringBuilder();
        for (int k = 0; k < 24; k++) {
            // 21-bit signals every 21 bits: most straddle three bytes; alternate byte order and sign.
            int start = k * 21;
            if (k % 2 == 0) {
                fdSignals
                        .append(" SG_ Band")
                        .append(k)
                        .append(" : ")
                        .append(start)
                        .append("|21@1- (0.01,-5) [0|0] \"\" Climate\n");
            } else {
                int msb = 8 * (start / 8) + (7 - start % 8);
                fdSignals
                        .append(" SG_ Band")
                        .append(k)
                        .append(" : ")
                        .append(msb)
                        .append("|21@0+ (0.5,0) [0|0] \"\" Climate\n");
            }
        }
        Dbc dbc = DbcParser.parse(DBC.replace("SPECTRUM_SIGNALS", fdSignals), "bench.dbc");
        decoder = DbcDecoder.compile(dbc);
        climate = decoder.find(0x100, false);
        spectrum = decoder.find(0x500, false);
        mapper = new CanReadingMapper(decoder, SignalMapping.defaults(), true, true);
        Random random = new Random(42);
        classic = new byte[256][8];
        fd = new byte[256][64];
        frames = new CanFrame[256];
        for (int i = 0; i < 256; i++) {
            random.nextBytes(classic[i]);
            random.nextBytes(fd[i]);
            frames[i] = CanFrame.classic("can0", 0x100, false, classic[i], 1_700_000_000_000_000L + i);
        }
    }

    @Benchmark
    public double decodeClassic8Bytes6Signals(Signals counter) {
        byte[] data = classic[next++ & 255];
        climate.decode(data, 0, 8, true, out);
        counter.signals += out.count();
        return out.value(0) + out.value(out.count() - 1);
    }

    @Benchmark
    public double decodeFd64Bytes24Signals(Signals counter) {
        byte[] data = fd[next++ & 255];
        spectrum.decode(data, 0, 64, true, out);
        counter.signals += out.count();
        return out.value(0) + out.value(out.count() - 1);
    }

    @Benchmark
    public double lookupAndDecodeClassic(Signals counter) {
        byte[] data = classic[next++ & 255];
        MessageDecoder d = decoder.find(0x100, false);
        d.decode(data, 0, 8, true, out);
        counter.signals += out.count();
        return out.value(0);
    }

    @Benchmark
    public void frameToReadings(Signals counter, Blackhole bh) {
        // Received a little after the frames' time (2023-11-14), as live: a time before them would refuse
        // every frame as dated in the future and measure only that check.
        CanReadingMapper.Outcome o = mapper.map(frames[next++ & 255], FRAMES_RECEIVED, bh::consume);
        counter.signals += 6;
        bh.consume(o);
    }
}
