package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One spelling per concept across every command of the developer build (which holds the product
 * commands too): {@code --schema-registry-url} everywhere, never {@code --schema-registry} in one
 * command and {@code --registry-url} in another. Option names are reduced to concept keys (plurals,
 * unit and kind suffixes such as {@code -url} or {@code -ms} dropped, then a table of synonyms), and
 * every concept may have one spelling only. Options that share a name must also share their aliases
 * and parameter label, so that {@code --set} means the same in every command.
 */
class OptionNamesTest {

    /** Words that say what kind of value an option takes, not what it is about. */
    private static final Set<String> KIND_WORDS = Set.of(
            "url", "uri", "file", "path", "ms", "millis", "seconds", "secs", "count", "num", "number", "of", "per",
            "second", "sec");

    /**
     * Options whose kind word is what they are about: {@code devices export-mosquitto --password-file} writes
     * Mosquitto's password file, which is not a database password (the name compose uses).
     */
    private static final Map<String, String> OWN_CONCEPTS = Map.of("--password-file", "mosquitto password file");

    /** Words that end in s without being plurals. */
    private static final Set<String> NOT_PLURALS = Set.of("postgres", "redis", "its", "bus");

    /** Known synonyms, after {@link #KIND_WORDS} are dropped and words made singular, to their concept. */
    private static final Map<String, String> SYNONYMS = Map.ofEntries(
            Map.entry("registry", "schema registry"),
            Map.entry("sr", "schema registry"),
            Map.entry("schema registry", "schema registry"),
            Map.entry("bootstrap", "kafka"),
            Map.entry("bootstrap server", "kafka"),
            Map.entry("kafka bootstrap server", "kafka"),
            Map.entry("kafka", "kafka"),
            Map.entry("kafka broker", "kafka"),
            // "broker" alone is not the Kafka connection: up --brokers N is how many Kafka nodes to start.
            Map.entry("broker", "broker count"),
            Map.entry("postgres", "jdbc"),
            Map.entry("postgresql", "jdbc"),
            Map.entry("postgres url", "jdbc"),
            Map.entry("pg", "jdbc"),
            Map.entry("database", "jdbc"),
            Map.entry("db", "jdbc"),
            Map.entry("postgres user", "jdbc user"),
            Map.entry("database user", "jdbc user"),
            Map.entry("db user", "jdbc user"),
            Map.entry("user", "jdbc user"),
            Map.entry("postgres password", "jdbc password"),
            Map.entry("database password", "jdbc password"),
            Map.entry("db password", "jdbc password"),
            Map.entry("password", "jdbc password"),
            Map.entry("redis server", "redis"),
            Map.entry("mqtt broker", "mqtt"),
            Map.entry("mqtt server", "mqtt"),
            Map.entry("mqtt server uris", "mqtt"),
            Map.entry("msg rate", "rate"),
            Map.entry("message rate", "rate"),
            Map.entry("device count", "device"),
            Map.entry("fleet", "device"),
            Map.entry("fleet size", "device"),
            Map.entry("run for", "duration"),
            Map.entry("run time", "duration"),
            Map.entry("time", "duration"),
            Map.entry("topics prefix", "topic prefix"),
            Map.entry("prefix", "topic prefix"),
            Map.entry("topic partition", "partition"),
            Map.entry("property", "set"),
            Map.entry("define", "set"),
            Map.entry("setting", "set"),
            Map.entry("override", "set"),
            Map.entry("config file", "config"),
            Map.entry("configuration", "config"),
            Map.entry("properties", "config"),
            Map.entry("dbc file", "dbc"),
            Map.entry("endpoints file", "endpoint"),
            Map.entry("env file", "endpoint"));

    @Test
    void shouldSpellEveryConceptTheSameInEveryCommand() {
        List<String> problems = problems(DevMain.commandLine());

        assertThat(problems).as("option spellings that disagree").isEmpty();
    }

    @Test
    void shouldSeeTheOptionsOfTheProductAndDeveloperCommands() {
        Map<String, Set<String>> spellings = spellingsByConcept(DevMain.commandLine());

        assertThat(spellings)
                .containsEntry("schema registry", Set.of("--schema-registry-url"))
                .containsEntry("kafka", Set.of("--bootstrap-servers"))
                .containsEntry("set", Set.of("--set"))
                .containsEntry("device", Set.of("--devices"))
                .containsEntry("rate", Set.of("--rate"));
    }

    @Test
    void shouldReportARegistryOptionSpelledTwoWays() {
        CommandSpec root = CommandSpec.create().name("fieldline");
        root.addSubcommand(
                "tail",
                new CommandLine(CommandSpec.create().name("tail").addOption(option("URL", "--schema-registry"))));
        root.addSubcommand(
                "bench",
                new CommandLine(CommandSpec.create().name("bench").addOption(option("URL", "--schema-registry-url"))));

        assertThat(problems(new CommandLine(root)))
                .singleElement()
                .asString()
                .contains("schema registry")
                .contains("--schema-registry")
                .contains("--schema-registry-url")
                .contains("fieldline tail")
                .contains("fieldline bench");
    }

    @Test
    void shouldReportUnitsAndSynonymsAsTheSameConcept() {
        assertThat(concept("--duration-seconds")).isEqualTo(concept("--duration"));
        assertThat(concept("--commit-interval")).isEqualTo(concept("--commit-interval-ms"));
        assertThat(concept("--postgres-url")).isEqualTo(concept("--jdbc-url"));
        assertThat(concept("--kafka")).isEqualTo(concept("--bootstrap-servers"));
        assertThat(concept("--device-count")).isEqualTo(concept("--devices"));
        assertThat(concept("--redis")).isEqualTo(concept("--redis-url"));
        assertThat(concept("--mqtt-url")).isNotEqualTo(concept("--mqtt-topic-prefix"));
        assertThat(concept("--topic-prefix")).isNotEqualTo(concept("--mqtt-topic-prefix"));
    }

    @Test
    void shouldReportTheSameNameWithDifferentAliasesOrLabels() {
        CommandSpec root = CommandSpec.create().name("fieldline");
        root.addSubcommand(
                "up",
                new CommandLine(CommandSpec.create()
                        .name("up")
                        .addOption(option("KEY=VALUE", "-s", "--set"))
                        .addOption(option("N", "--devices"))));
        root.addSubcommand(
                "bench",
                new CommandLine(CommandSpec.create()
                        .name("bench")
                        .addOption(option("KEY=VALUE", "--set"))
                        .addOption(option("COUNT", "--devices"))));

        assertThat(problems(new CommandLine(root)))
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("--set").contains("[-s, --set]"))
                .anySatisfy(p ->
                        assertThat(p).contains("--devices").contains("COUNT").contains("N"));
    }

    private static OptionSpec option(String paramLabel, String... names) {
        return OptionSpec.builder(names)
                .paramLabel(paramLabel)
                .type(String.class)
                .build();
    }

    /** Every disagreement in the tree, one line each. */
    static List<String> problems(CommandLine root) {
        List<String> problems = new ArrayList<>();
        spellingsByConcept(root).forEach((concept, spellings) -> {
            if (spellings.size() > 1) {
                problems.add("'" + concept + "' is spelled "
                        + spellings.stream()
                                .map(name -> name + " (" + String.join(", ", usersOf(root, name)) + ")")
                                .collect(Collectors.joining(" and ")));
            }
        });
        Map<String, Map<String, List<String>>> shapesByName = new TreeMap<>();
        for (Map.Entry<String, OptionSpec> entry : options(root)) {
            OptionSpec option = entry.getValue();
            String shape = Arrays.toString(option.names()) + " " + option.paramLabel();
            for (String name : option.names()) {
                shapesByName
                        .computeIfAbsent(name, n -> new TreeMap<>())
                        .computeIfAbsent(shape, s -> new ArrayList<>())
                        .add(entry.getKey());
            }
        }
        shapesByName.forEach((name, shapes) -> {
            if (shapes.size() > 1 && name.startsWith("--")) {
                problems.add(name + " has different aliases or parameter labels: " + shapes);
            }
        });
        return problems;
    }

    static Map<String, Set<String>> spellingsByConcept(CommandLine root) {
        Map<String, Set<String>> spellings = new TreeMap<>();
        for (Map.Entry<String, OptionSpec> entry : options(root)) {
            String name = entry.getValue().longestName();
            spellings.computeIfAbsent(concept(name), c -> new TreeSet<>()).add(name);
        }
        return spellings;
    }

    /** The concept an option name stands for. */
    static String concept(String name) {
        String own = OWN_CONCEPTS.get(name);
        if (own != null) {
            return own;
        }
        String words = Arrays.stream(
                        name.replaceFirst("^-+", "").toLowerCase(Locale.ROOT).split("[-_.]"))
                .filter(word -> !KIND_WORDS.contains(word))
                .map(OptionNamesTest::singular)
                .collect(Collectors.joining(" "));
        return SYNONYMS.getOrDefault(words, words);
    }

    private static String singular(String word) {
        return word.length() > 3 && word.endsWith("s") && !word.endsWith("ss") && !NOT_PLURALS.contains(word)
                ? word.substring(0, word.length() - 1)
                : word;
    }

    private static List<String> usersOf(CommandLine root, String name) {
        return options(root).stream()
                .filter(e -> e.getValue().longestName().equals(name))
                .map(Map.Entry::getKey)
                .toList();
    }

    /** (command path, option) of every option in the tree. */
    private static List<Map.Entry<String, OptionSpec>> options(CommandLine root) {
        List<Map.Entry<String, OptionSpec>> options = new ArrayList<>();
        collect(root, options);
        return options;
    }

    private static void collect(CommandLine command, List<Map.Entry<String, OptionSpec>> into) {
        String path = command.getCommandSpec().qualifiedName();
        for (OptionSpec option : command.getCommandSpec().options()) {
            into.add(Map.entry(path, option));
        }
        for (CommandLine sub : new LinkedHashMap<>(command.getSubcommands()).values()) {
            collect(sub, into);
        }
    }
}
