package io.fieldline.topologies.kpi;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.topologies.internal.ProcessorCounter;
import io.fieldline.topologies.internal.WindowKey;
import io.fieldline.topologies.kpi.RoomKpiState.Carry;
import io.fieldline.topologies.kpi.RoomKpiState.Climate;
import io.fieldline.topologies.kpi.RoomKpiState.Day;
import io.fieldline.topologies.kpi.RoomKpiState.PendingLight;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Room KPIs from the one-minute aggregates of the room's series (keyed by room upstream).
 *
 * <ul>
 *   <li>Climate window (default one minute): T and RH are the count-weighted means of the room's
 *       temperature and humidity aggregates in the window; VPD and dew point follow
 *       ({@link KpiFormulas}). Needs both.</li>
 *   <li>Day (calendar day of the configured zone):
 *     <ul>
 *       <li>DLI: each PPFD series integrates its one-minute means over time, each mean held
 *           from the window's first reading until the next window's first reading, at most
 *           {@code dliMaxGap}; pieces are split at midnight. The room's DLI is the mean over its
 *           PPFD series.</li>
 *       <li>FCR = feed / ((W_end - W_start) * birds): feed is the day's sum of the feed series;
 *           W_end the day's last average weight, W_start the previous day's last (else the
 *           day's first); birds the day's last count (else the previous day's). Not emitted
 *           without a positive gain.</li>
 *       <li>Mortality rate = deaths / birds at start * 100: deaths summed over the day, birds at
 *           start the previous day's last count (else the day's first).</li>
 *       <li>Production rate = eggs / live hens * 100: eggs summed, live hens the day's
 *           count-weighted mean bird count (else the previous day's last).</li>
 *     </ul></li>
 * </ul>
 * A window is computed once, when the stream time of the room-keyed aggregates reaches its end
 * plus {@code grace}; aggregates arriving later are counted ({@value KpiTopology#LATE_INPUTS}) and
 * ignored.
 */
final class RoomKpiProcessor implements Processor<String, Aggregate, String, Kpi> {

    private static final char KEY_SEPARATOR = '\u001f';
    // The shortest calendar day (a spring-forward day has 23 hours) bounds the close scan.
    private static final long SHORTEST_DAY_MS = 23 * 3_600_000L;

    private final KpiSettings settings;
    private final long climateMs;
    private final long graceMs;
    private final long maxGapMs;
    private final ZoneId zone;

    private ProcessorContext<String, Kpi> context;
    private KeyValueStore<WindowKey, Climate> climates;
    private KeyValueStore<WindowKey, Day> days;
    private KeyValueStore<String, PendingLight> lights;
    private KeyValueStore<String, Carry> carries;
    private ProcessorCounter lateCounter;

    RoomKpiProcessor(KpiSettings settings) {
        this.settings = settings;
        this.climateMs = settings.climateWindow().toMillis();
        this.graceMs = settings.grace().toMillis();
        this.maxGapMs = settings.dliMaxGap().toMillis();
        this.zone = settings.dayZone();
    }

    @Override
    public void init(ProcessorContext<String, Kpi> context) {
        this.context = context;
        this.climates = context.getStateStore(KpiTopology.CLIMATE_STORE);
        this.days = context.getStateStore(KpiTopology.DAY_STORE);
        this.lights = context.getStateStore(KpiTopology.LIGHT_STORE);
        this.carries = context.getStateStore(KpiTopology.CARRY_STORE);
        this.lateCounter = ProcessorCounter.register(context, KpiTopology.CALCULATOR, KpiTopology.LATE_INPUTS);
    }

    @Override
    public void process(Record<String, Aggregate> record) {
        Aggregate aggregate = record.value();
        KpiInput input = aggregate == null ? null : settings.inputOf(aggregate.getSensor());
        long streamTime = Math.max(context.currentStreamTimeMs(), record.timestamp());
        if (input != null && aggregate.getCount() > 0) {
            String room = record.key();
            switch (input) {
                case TEMPERATURE, HUMIDITY -> addClimate(room, aggregate, input, streamTime);
                case PPFD -> addLight(room, aggregate, streamTime);
                default -> addDaily(room, aggregate, input, streamTime);
            }
        }
        closeClimate(streamTime);
        closeDays(streamTime);
    }

    private void addClimate(String room, Aggregate aggregate, KpiInput input, long streamTime) {
        long start = Math.floorDiv(aggregate.getWindowStart().toEpochMilli(), climateMs) * climateMs;
        if (start + climateMs + graceMs <= streamTime) {
            lateCounter.increment();
            return;
        }
        WindowKey key = new WindowKey(start, room, "");
        Climate climate = climates.get(key);
        if (climate == null) {
            climate = new Climate();
        }
        climate.site = aggregate.getSite() != null ? aggregate.getSite() : climate.site;
        if (input == KpiInput.TEMPERATURE) {
            climate.temperatureSum += aggregate.getMean() * aggregate.getCount();
            climate.temperatureCount += aggregate.getCount();
        } else {
            climate.humiditySum += aggregate.getMean() * aggregate.getCount();
            climate.humidityCount += aggregate.getCount();
        }
        climates.put(key, climate);
    }

    private void addDaily(String room, Aggregate aggregate, KpiInput input, long streamTime) {
        long start = dayStart(aggregate.getWindowStart().toEpochMilli());
        Day day = openDay(room, start, aggregate.getSite(), streamTime);
        if (day == null) {
            return;
        }
        long first = aggregate.getFirstTime().toEpochMilli();
        long last = aggregate.getLastTime().toEpochMilli();
        switch (input) {
            case FEED -> day.feed = Day.add(day.feed, aggregate.getSum());
            case DEATHS -> day.deaths = Day.add(day.deaths, aggregate.getSum());
            case EGGS -> day.eggs = Day.add(day.eggs, aggregate.getSum());
            case BIRDS -> {
                day.birdsSum += aggregate.getMean() * aggregate.getCount();
                day.birdsCount += aggregate.getCount();
                day.firstBirds.earliest(aggregate.getFirst(), first);
                day.lastBirds.latest(aggregate.getLast(), last);
            }
            case WEIGHT -> {
                day.firstWeight.earliest(aggregate.getFirst(), first);
                day.lastWeight.latest(aggregate.getLast(), last);
            }
            default -> throw new IllegalStateException("not a daily input: " + input);
        }
        days.put(new WindowKey(start, room, ""), day);
    }

    private void addLight(String room, Aggregate aggregate, long streamTime) {
        String series = aggregate.getDeviceId() + "/" + aggregate.getSensor();
        String key = room + KEY_SEPARATOR + series;
        long from = aggregate.getFirstTime().toEpochMilli();
        PendingLight pending = lights.get(key);
        if (pending != null && from <= pending.from) {
            return; // a repeated or reordered window: its time is already covered
        }
        if (pending != null) {
            credit(pending, Math.min(from, pending.capEnd), streamTime, Long.MIN_VALUE);
        }
        PendingLight next = new PendingLight();
        next.room = room;
        next.series = series;
        next.from = from;
        next.ppfd = aggregate.getMean();
        next.capEnd = from + maxGapMs;
        lights.put(key, next);
        // Make sure the day of this value exists, so that its site is known when it closes.
        Day day = openDay(room, dayStart(from), aggregate.getSite(), streamTime);
        if (day != null) {
            day.light.putIfAbsent(series, 0.0);
            days.put(new WindowKey(dayStart(from), room, ""), day);
        }
    }

    /**
     * Integrates the pending value from its start to {@code until} into the days it spans, and
     * moves its start there. {@code closingDay} is the start of a day being closed right now,
     * which accepts the credit although it is past its grace.
     */
    private void credit(PendingLight pending, long until, long streamTime, long closingDay) {
        long from = pending.from;
        while (from < until) {
            long dayStart = dayStart(from);
            long dayEnd = nextDayStart(dayStart);
            long to = Math.min(until, dayEnd);
            WindowKey key = new WindowKey(dayStart, pending.room, "");
            Day day = dayStart == closingDay ? days.get(key) : openDay(pending.room, dayStart, null, streamTime);
            if (day != null) {
                day.light.merge(
                        pending.series, KpiFormulas.lightIntegral(pending.ppfd, (to - from) / 1000.0), Double::sum);
                days.put(key, day);
            }
            from = to;
        }
        pending.from = Math.max(pending.from, until);
    }

    /** The day's state, created if needed; null (and counted) when the day has already closed. */
    private Day openDay(String room, long start, String site, long streamTime) {
        long end = nextDayStart(start);
        if (end + graceMs <= streamTime) {
            lateCounter.increment();
            return null;
        }
        Day day = days.get(new WindowKey(start, room, ""));
        if (day == null) {
            day = new Day();
            day.end = end;
        }
        if (site != null) {
            day.site = site;
        }
        return day;
    }

    private void closeClimate(long streamTime) {
        for (KeyValue<WindowKey, Climate> entry : closable(climates, streamTime - graceMs - climateMs)) {
            WindowKey key = entry.key;
            Climate climate = entry.value;
            climates.delete(key);
            if (climate.temperatureCount == 0 || climate.humidityCount == 0) {
                continue;
            }
            double t = climate.temperatureSum / climate.temperatureCount;
            double rh = climate.humiditySum / climate.humidityCount;
            Map<String, Double> inputs = Map.of("temperature_c", t, "humidity_pct", rh);
            long end = key.start() + climateMs;
            emit(
                    key.first(),
                    climate.site,
                    "vpd",
                    KpiFormulas.vapourPressureDeficit(t, rh),
                    "kPa",
                    key.start(),
                    end,
                    inputs);
            double dewPoint = KpiFormulas.dewPoint(t, rh);
            if (!Double.isNaN(dewPoint)) {
                emit(key.first(), climate.site, "dew_point", dewPoint, "degC", key.start(), end, inputs);
            }
        }
    }

    private void closeDays(long streamTime) {
        for (KeyValue<WindowKey, Day> entry : closable(days, streamTime - graceMs - SHORTEST_DAY_MS)) {
            WindowKey key = entry.key;
            if (entry.value.end + graceMs > streamTime) {
                continue; // a long (DST) day not closable yet
            }
            String room = key.first();
            Day day = finishLight(room, key.start(), entry.value, streamTime);
            days.delete(key);
            Carry carry = carries.get(room);
            if (carry == null) {
                carry = new Carry();
            }
            emitDay(room, key.start(), day, carry);
            if (day.lastWeight.present()) {
                carry.weight.latest(day.lastWeight.value, day.lastWeight.time);
            }
            if (day.lastBirds.present()) {
                carry.birds.latest(day.lastBirds.value, day.lastBirds.time);
            }
            carries.put(room, carry);
        }
    }

    /** Credits the room's pending light values up to the end of the closing day. */
    private Day finishLight(String room, long dayStart, Day day, long streamTime) {
        List<KeyValue<String, PendingLight>> pendings = new ArrayList<>();
        try (KeyValueIterator<String, PendingLight> iterator =
                lights.prefixScan(room + KEY_SEPARATOR, new StringSerializer())) {
            iterator.forEachRemaining(pendings::add);
        }
        for (KeyValue<String, PendingLight> entry : pendings) {
            PendingLight pending = entry.value;
            if (pending.from >= day.end) {
                continue;
            }
            credit(pending, Math.min(day.end, pending.capEnd), streamTime, dayStart);
            if (pending.from >= pending.capEnd) {
                lights.delete(entry.key);
            } else {
                lights.put(entry.key, pending);
            }
        }
        Day credited = days.get(new WindowKey(dayStart, room, ""));
        return credited != null ? credited : day;
    }

    private void emitDay(String room, long start, Day day, Carry carry) {
        if (!day.light.isEmpty()) {
            double total = 0;
            for (double integral : day.light.values()) {
                total += integral;
            }
            emit(room, day.site, "dli", total / day.light.size(), "mol/m2/d", start, day.end, Map.of("series", (double)
                    day.light.size()));
        }
        double birdsAtStart = carry.birds.present() ? carry.birds.value : day.firstBirds.value;
        double birdsNow = day.lastBirds.present() ? day.lastBirds.value : carry.birds.value;
        if (!Double.isNaN(day.feed) && day.lastWeight.present() && !Double.isNaN(birdsNow)) {
            double startWeight = carry.weight.present()
                    ? carry.weight.value
                    : day.firstWeight.time < day.lastWeight.time ? day.firstWeight.value : Double.NaN;
            double gain = day.lastWeight.value - startWeight;
            if (gain > 0 && birdsNow > 0) {
                Map<String, Double> inputs = new LinkedHashMap<>();
                inputs.put("feed_kg", day.feed);
                inputs.put("weight_start_kg", startWeight);
                inputs.put("weight_end_kg", day.lastWeight.value);
                inputs.put("birds", birdsNow);
                inputs.put("weight_gain_kg", gain * birdsNow);
                emit(
                        room,
                        day.site,
                        "fcr",
                        KpiFormulas.feedConversionRatio(day.feed, gain, birdsNow),
                        "ratio",
                        start,
                        day.end,
                        inputs);
            }
        }
        if (!Double.isNaN(day.deaths) && birdsAtStart > 0) {
            emit(
                    room,
                    day.site,
                    "mortality_rate",
                    KpiFormulas.mortalityRate(day.deaths, birdsAtStart),
                    "%",
                    start,
                    day.end,
                    Map.of("deaths", day.deaths, "birds_start", birdsAtStart));
        }
        double hens = day.birdsCount > 0 ? day.birdsSum / day.birdsCount : carry.birds.value;
        if (!Double.isNaN(day.eggs) && hens > 0) {
            emit(
                    room,
                    day.site,
                    "production_rate",
                    KpiFormulas.productionRate(day.eggs, hens),
                    "%",
                    start,
                    day.end,
                    Map.of("eggs", day.eggs, "live_hens", hens));
        }
    }

    private void emit(
            String room,
            String site,
            String name,
            double value,
            String unit,
            long start,
            long end,
            Map<String, Double> inputs) {
        Kpi kpi = Kpi.newBuilder()
                .setRoom(room)
                .setSite(site)
                .setName(name)
                .setValue(value)
                .setUnit(unit)
                .setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(end))
                .setInputs(inputs)
                .build();
        context.forward(new Record<>(room, kpi, end - 1));
    }

    private long dayStart(long epochMs) {
        LocalDate date = Instant.ofEpochMilli(epochMs).atZone(zone).toLocalDate();
        return date.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    private long nextDayStart(long dayStart) {
        LocalDate date = Instant.ofEpochMilli(dayStart).atZone(zone).toLocalDate();
        return date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    private static <V> List<KeyValue<WindowKey, V>> closable(KeyValueStore<WindowKey, V> store, long lastStart) {
        List<KeyValue<WindowKey, V>> closable = new ArrayList<>();
        try (KeyValueIterator<WindowKey, V> range =
                store.range(WindowKey.lowest(Long.MIN_VALUE), WindowKey.lowest(lastStart + 1))) {
            range.forEachRemaining(closable::add);
        }
        return closable;
    }
}
