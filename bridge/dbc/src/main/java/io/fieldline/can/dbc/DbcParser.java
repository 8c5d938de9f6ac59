package io.fieldline.can.dbc;

import io.fieldline.can.dbc.DbcLexer.Kind;
import io.fieldline.can.dbc.DbcLexer.Token;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads DBC files into an immutable {@link Dbc}. Hand-written: a tokenizer and a recursive-descent parser.
 *
 * <p>Understood: {@code VERSION}, {@code BU_}, {@code BO_} (bit 31 of the id marks a 29-bit id; length up to
 * 64 bytes), {@code SG_} (Intel and Motorola, signedness, scaling, range, unit, receivers, multiplexer
 * indicators {@code M}, {@code mN}, {@code mNM}), {@code SG_MUL_VAL_}, {@code SIG_VALTYPE_}, {@code VAL_},
 * {@code VAL_TABLE_}, {@code CM_}, {@code BA_DEF_}, {@code BA_DEF_DEF_}, {@code BA_}, {@code BO_TX_BU_},
 * {@code SIG_GROUP_} and {@code EV_} (name only). {@code NS_}, {@code BS_}, relation attributes, signal
 * types, categories, filters and any statement with an unknown keyword are skipped up to their {@code ;}.
 *
 * <p>Tolerant of real files: bytes that are not valid UTF-8 are read as Windows-1252, CRLF or LF line ends,
 * a byte order mark, any spacing, {@code //} comments, comments over several lines. Anything else that does
 * not fit the grammar raises a {@link DbcParseException} naming the line, the column and what was expected.
 *
 * <p>Multiplexing follows cantools: with exactly one {@code M} signal in a message, every {@code mN} signal
 * hangs under it (simple multiplexing, extended by any {@code SG_MUL_VAL_} ranges); with several multiplexers,
 * {@code SG_MUL_VAL_} alone says which multiplexer selects which signal for which values.
 */
public final class DbcParser {

    private static final Logger LOG = LoggerFactory.getLogger(DbcParser.class);

    /** Frame formats of {@code VFrameFormat} when a file defines it as INT rather than ENUM. */
    private static final List<String> DEFAULT_FRAME_FORMATS = List.of(
            "StandardCAN",
            "ExtendedCAN",
            "reserved",
            "J1939PG",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "StandardCAN_FD",
            "ExtendedCAN_FD");

    /** Statements read but not interpreted: skipped up to their semicolon. */
    private static final Set<String> SKIPPED = Set.of(
            "BA_DEF_REL_",
            "BA_DEF_DEF_REL_",
            "BA_REL_",
            "BA_DEF_SGTYPE_",
            "BA_SGTYPE_",
            "SGTYPE_",
            "SGTYPE_VAL_",
            "SIG_TYPE_REF_",
            "SIGTYPE_VALTYPE_",
            "CAT_DEF_",
            "CAT_",
            "FILTER",
            "EV_DATA_",
            "ENVVAR_DATA_",
            "BU_SG_REL_",
            "BU_EV_REL_",
            "BU_BO_REL_",
            "NS_DESC_",
            "SG_TYPE_");

    /** Every keyword that can start a statement. */
    private static final Set<String> KEYWORDS;

    static {
        Set<String> k = new TreeSet<>(SKIPPED);
        k.addAll(List.of(
                "VERSION",
                "NS_",
                "BS_",
                "BU_",
                "BO_",
                "SG_",
                "CM_",
                "BA_DEF_",
                "BA_DEF_DEF_",
                "BA_",
                "VAL_",
                "VAL_TABLE_",
                "SIG_VALTYPE_",
                "SG_MUL_VAL_",
                "EV_",
                "SIG_GROUP_",
                "BO_TX_BU_"));
        KEYWORDS = Set.copyOf(k);
    }

    private static final String NO_NODE = "Vector__XXX";
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private final String source;
    private final List<Token> tokens;
    private int pos;

    // What the statements collect; assembled into the model at the end.
    private String version = "";
    private final List<String> nodeNames = new ArrayList<>();
    private final List<MessageBuilder> messages = new ArrayList<>();
    private final Map<String, ValueTable> valueTables = new LinkedHashMap<>();
    private String networkComment;
    private final Map<String, String> nodeComments = new HashMap<>();
    private final Map<Long, String> messageComments = new HashMap<>();
    private final Map<Long, Map<String, String>> signalComments = new HashMap<>();
    private final Map<String, String> envVarComments = new HashMap<>();
    private final Map<String, AttributeDefinition> definitions = new LinkedHashMap<>();
    private final Map<String, AttributeValue> defaults = new LinkedHashMap<>();
    private final Map<String, AttributeValue> networkAttributes = new LinkedHashMap<>();
    private final Map<String, Map<String, AttributeValue>> nodeAttributes = new HashMap<>();
    private final Map<Long, Map<String, AttributeValue>> messageAttributes = new HashMap<>();
    private final Map<Long, Map<String, Map<String, AttributeValue>>> signalAttributes = new HashMap<>();
    private final Map<Long, Map<String, LinkedHashMap<Long, String>>> choices = new HashMap<>();
    private final Map<Long, Map<String, Token>> signalTypes = new HashMap<>();
    /** Frame id, then multiplexer name, then multiplexed signal name: the multiplexer values. */
    private final Map<Long, Map<String, Map<String, List<Long>>>> muxValues = new HashMap<>();

    private final Map<Long, List<String>> extraSenders = new HashMap<>();
    private final Map<Long, List<SignalGroup>> signalGroups = new HashMap<>();
    private final List<String> envVarNames = new ArrayList<>();

    private DbcParser(String source, String text) {
        this.source = source;
        this.tokens = new DbcLexer(source, text).tokenize();
    }

    /**
     * The largest DBC file read: far above real ones (a whole vehicle's network is a few MiB), small enough that a
     * wrong or hostile file cannot exhaust the heap with its tokens.
     */
    public static final int MAX_FILE_BYTES = 16 * 1024 * 1024;

    /** Reads a DBC file; the file name labels errors. */
    public static Dbc parse(Path file) throws IOException {
        String source = file.getFileName().toString();
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw tooLarge(source, size);
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return parse(readBounded(in, source), source);
        }
    }

    /**
     * Reads a DBC from a stream, at most {@link #MAX_FILE_BYTES} of it.
     *
     * @throws DbcParseException when the stream holds more, naming the limit
     */
    public static byte[] readBounded(java.io.InputStream in, String source) throws IOException {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        if (bytes.length > MAX_FILE_BYTES) {
            throw tooLarge(source, bytes.length);
        }
        return bytes;
    }

    private static DbcParseException tooLarge(String source, long size) {
        return new DbcParseException(
                source,
                1,
                1,
                "the file has " + (size > MAX_FILE_BYTES ? "more than " + MAX_FILE_BYTES : size)
                        + " bytes, over the limit of " + MAX_FILE_BYTES + " bytes (DBC file size limit)");
    }

    /** Reads DBC bytes: UTF-8 when they are valid UTF-8, Windows-1252 otherwise. */
    public static Dbc parse(byte[] bytes, String source) {
        if (bytes.length > MAX_FILE_BYTES) {
            throw tooLarge(source, bytes.length);
        }
        return parse(decodeText(bytes), source);
    }

    /** Reads DBC text; {@code source} labels errors. */
    public static Dbc parse(String text, String source) {
        if (text.length() > MAX_FILE_BYTES) {
            throw tooLarge(source, text.length());
        }
        return new DbcParser(source, text).run();
    }

    /**
     * Text of a DBC file: UTF-8 (without a byte order mark) when the bytes are valid UTF-8, else Windows-1252,
     * the encoding Vector's tools write.
     */
    public static String decodeText(byte[] bytes) {
        int start =
                bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF
                        ? 3
                        : 0;
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, Charset.forName("windows-1252"));
        }
    }

    // ------------------------------------------------------------------ statements

    private Dbc run() {
        while (peek().kind() != Kind.EOF) {
            statement();
        }
        return assemble();
    }

    private void statement() {
        Token t = peek();
        if (t.kind() != Kind.IDENT) {
            throw error(t, "expected a keyword such as BO_, SG_, CM_, BA_ or VAL_ at the start of a statement");
        }
        switch (t.text()) {
            case "VERSION" -> {
                next();
                version = expectString("the version string after VERSION").text();
            }
            case "NS_" -> newSymbols();
            case "BS_" -> busSpeed();
            case "BU_" -> nodes();
            case "BO_" -> message();
            case "SG_" -> throw error(t, "expected a BO_ message before this SG_ signal");
            case "CM_" -> comment();
            case "BA_DEF_" -> attributeDefinition();
            case "BA_DEF_DEF_" -> attributeDefault();
            case "BA_" -> attribute();
            case "VAL_" -> valueDescriptions();
            case "VAL_TABLE_" -> valueTable();
            case "SIG_VALTYPE_" -> signalValueType();
            case "SG_MUL_VAL_" -> multiplexerValues();
            case "BO_TX_BU_" -> transmitters();
            case "SIG_GROUP_" -> signalGroup();
            case "EV_" -> environmentVariable();
            default -> skipStatement();
        }
    }

    /** {@code NS_ :} followed by a list of keywords, up to the first name followed by a colon. */
    private void newSymbols() {
        next();
        acceptPunct(':');
        while (peek().kind() == Kind.IDENT) {
            Token t = peek();
            if (t.text().equals("BS_")
                    || t.text().equals("BU_")
                    || t.text().equals("BO_")
                    || t.text().equals("VERSION")
                    || peekAt(1).isPunct(':')) {
                return;
            }
            next();
        }
    }

    /** {@code BS_: [baudrate : btr1 , btr2]}. */
    private void busSpeed() {
        next();
        expectPunct(':', "':' after BS_");
        while (peek().kind() == Kind.NUMBER || peek().isPunct(':') || peek().isPunct(',')) {
            next();
        }
    }

    /** {@code BU_: node node ...}: names up to the end of the line (or the next keyword). */
    private void nodes() {
        Token bu = next();
        expectPunct(':', "':' after BU_");
        while (true) {
            Token t = peek();
            if (t.isPunct(',')) {
                next();
                continue;
            }
            if (t.kind() != Kind.IDENT
                    || KEYWORDS.contains(t.text())
                    || (t.firstOnLine() && t.column() == 1)
                    || (t.firstOnLine() && t.line() != bu.line() && !continuesList(t))) {
                return;
            }
            nodeNames.add(next().text());
        }
    }

    /** An indented identifier on a new line that is not followed by a colon or a number continues a list. */
    private boolean continuesList(Token t) {
        Token after = peekAt(1);
        return t.column() > 1 && !after.isPunct(':') && after.kind() != Kind.NUMBER;
    }

    private void message() {
        next();
        Token idToken = peek();
        long dbcId = integer("the message id after BO_");
        if (dbcId < 0 || dbcId > 0xFFFFFFFFL) {
            throw problemAt(idToken, "expected a message id between 0 and 4294967295, found " + idToken.text());
        }
        Token nameToken = expectIdent("the message name after the id");
        expectPunct(':', "':' after the message name");
        Token dlcToken = peek();
        long length = integer("the message length in bytes");
        if (length < 0 || length > 64) {
            throw problemAt(dlcToken, "expected a message length from 0 to 64 bytes, found " + dlcToken.text());
        }
        Token sender = expectIdent("the sending node (or Vector__XXX) after the message length");
        boolean extended = (dbcId & 0x80000000L) != 0;
        long id = dbcId & 0x7FFFFFFFL;
        MessageBuilder m = new MessageBuilder(dbcId, nameToken.text(), (int) length, sender.text());
        boolean independent = m.independent();
        if (!independent) {
            if (extended && id > 0x1FFFFFFFL) {
                throw problemAt(
                        idToken,
                        "expected an extended id of at most 29 bits (0x1FFFFFFF) after removing bit 31, found 0x"
                                + Long.toHexString(id).toUpperCase());
            }
            if (!extended && id > 0x7FF) {
                throw problemAt(
                        idToken,
                        "expected a standard id of at most 0x7FF (set bit 31, i.e. add 2147483648, for a 29-bit id), found 0x"
                                + Long.toHexString(id).toUpperCase());
            }
        }
        while (peek().is(Kind.IDENT, "SG_")) {
            m.signals.add(signal(m));
        }
        // Vector's placeholder for signals not sent in any message: nothing to decode.
        if (!independent) {
            messages.add(m);
        }
    }

    private SignalBuilder signal(MessageBuilder m) {
        next();
        Token name = expectIdent("the signal name after SG_");
        String marker = null;
        Token markerToken = peek();
        if (markerToken.kind() == Kind.IDENT) {
            marker = next().text();
            if (!marker.matches("M|m\\d+M?")) {
                throw error(
                        markerToken,
                        "expected ':' or a multiplexer indicator (M, m<value> or m<value>M) after the signal name");
            }
        }
        expectPunct(':', "':' after the signal name");
        Token startToken = peek();
        long start = integer("the start bit");
        expectPunct('|', "'|' between start bit and length");
        Token lengthToken = peek();
        long length = integer("the signal length in bits");
        expectPunct('@', "'@' before the byte order");
        Token orderToken = peek();
        long order = integer("the byte order (1 = Intel, 0 = Motorola) after '@'");
        if (order != 0 && order != 1) {
            throw problemAt(orderToken, "expected byte order 0 (Motorola) or 1 (Intel), found " + orderToken.text());
        }
        Token signToken = next();
        if (!signToken.isPunct('+') && !signToken.isPunct('-')) {
            throw error(signToken, "expected '+' (unsigned) or '-' (signed) after the byte order");
        }
        expectPunct('(', "'(' before factor and offset");
        double factor = real("the factor");
        boolean factorIsInteger = tokens.get(pos - 1).text().chars().allMatch(c -> c >= '0' && c <= '9');
        expectPunct(',', "',' between factor and offset");
        double offset = real("the offset");
        expectPunct(')', "')' after the offset");
        expectPunct('[', "'[' before minimum and maximum");
        double min = real("the minimum");
        expectPunct('|', "'|' between minimum and maximum");
        double max = real("the maximum");
        expectPunct(']', "']' after the maximum");
        String unit = expectString("the unit string (\"\" when none)").text();
        List<String> receivers = new ArrayList<>();
        boolean afterComma = false;
        while (true) {
            Token t = peek();
            if (t.isPunct(',')) {
                next();
                afterComma = true;
                continue;
            }
            if (t.kind() != Kind.IDENT
                    || t.is(Kind.IDENT, "SG_")
                    || KEYWORDS.contains(t.text())
                    || (t.firstOnLine() && !afterComma)) {
                break;
            }
            afterComma = false;
            String r = next().text();
            if (!r.equals(NO_NODE)) {
                receivers.add(r);
            }
        }
        if (length < 1 || length > 64) {
            throw problemAt(lengthToken, "expected a signal length from 1 to 64 bits, found " + lengthToken.text());
        }
        if (start < 0 || start >= 512) {
            throw problemAt(startToken, "expected a start bit from 0 to 511, found " + startToken.text());
        }
        ByteOrder byteOrder = order == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        int sequentialStart =
                byteOrder == ByteOrder.BIG_ENDIAN ? (int) (8 * (start / 8) + (7 - start % 8)) : (int) start;
        if (!m.independent() && sequentialStart + length > 8L * m.length) {
            throw problemAt(
                    startToken,
                    "signal '" + name.text() + "' (start bit " + start + ", " + length + " bits, "
                            + (byteOrder == ByteOrder.BIG_ENDIAN ? "Motorola" : "Intel") + ") does not fit in the "
                            + m.length + "-byte message '" + m.name + "'");
        }
        return new SignalBuilder(
                name.text(),
                marker,
                (int) start,
                (int) length,
                byteOrder,
                signToken.isPunct('-'),
                factor,
                offset,
                factorIsInteger,
                min,
                max,
                unit,
                receivers);
    }

    private void comment() {
        next();
        Token t = peek();
        if (t.kind() == Kind.STRING) {
            networkComment = next().text();
        } else if (t.is(Kind.IDENT, "BU_")) {
            next();
            String node = expectIdent("the node name after CM_ BU_").text();
            nodeComments.put(node, expectString("the comment string").text());
        } else if (t.is(Kind.IDENT, "BO_")) {
            next();
            long id = integer("the message id after CM_ BO_");
            messageComments.put(id, expectString("the comment string").text());
        } else if (t.is(Kind.IDENT, "SG_")) {
            next();
            long id = integer("the message id after CM_ SG_");
            String signal = expectIdent("the signal name after the message id").text();
            signalComments
                    .computeIfAbsent(id, k -> new HashMap<>())
                    .put(signal, expectString("the comment string").text());
        } else if (t.is(Kind.IDENT, "EV_")) {
            next();
            String ev =
                    expectIdent("the environment variable name after CM_ EV_").text();
            envVarComments.put(ev, expectString("the comment string").text());
        } else {
            throw error(t, "expected a comment string or BU_, BO_, SG_ or EV_ after CM_");
        }
        expectPunct(';', "';' at the end of the comment");
    }

    private void attributeDefinition() {
        next();
        AttributeObjectType objectType = AttributeObjectType.NETWORK;
        Token t = peek();
        if (t.kind() == Kind.IDENT) {
            objectType = switch (t.text()) {
                case "BU_" -> AttributeObjectType.NODE;
                case "BO_" -> AttributeObjectType.MESSAGE;
                case "SG_" -> AttributeObjectType.SIGNAL;
                case "EV_" -> AttributeObjectType.ENVIRONMENT_VARIABLE;
                default -> throw error(t, "expected BU_, BO_, SG_, EV_ or the attribute name string after BA_DEF_");
            };
            next();
        }
        String name = expectString("the attribute name string").text();
        Token typeToken = expectIdent("the attribute type (INT, HEX, FLOAT, STRING or ENUM)");
        AttributeType type;
        try {
            type = AttributeType.valueOf(typeToken.text());
        } catch (IllegalArgumentException e) {
            throw error(typeToken, "expected the attribute type INT, HEX, FLOAT, STRING or ENUM");
        }
        BigDecimal min = null;
        BigDecimal max = null;
        List<String> labels = new ArrayList<>();
        switch (type) {
            case INT, HEX, FLOAT -> {
                if (!peek().isPunct(';')) {
                    min = decimal("the minimum of the attribute");
                    max = decimal("the maximum of the attribute");
                }
            }
            case ENUM -> {
                while (peek().kind() == Kind.STRING) {
                    labels.add(next().text());
                    if (!acceptPunct(',')) {
                        break;
                    }
                }
            }
            case STRING -> {
                // no range
            }
        }
        expectPunct(';', "';' at the end of the attribute definition");
        definitions.put(name, new AttributeDefinition(name, objectType, type, min, max, labels, null));
    }

    private void attributeDefault() {
        next();
        String name =
                expectString("the attribute name string after BA_DEF_DEF_").text();
        defaults.put(name, attributeValue());
        expectPunct(';', "';' at the end of the attribute default");
    }

    private void attribute() {
        next();
        String name = expectString("the attribute name string after BA_").text();
        Token t = peek();
        if (t.is(Kind.IDENT, "BU_")) {
            next();
            String node = expectIdent("the node name").text();
            AttributeValue v = attributeValue();
            nodeAttributes.computeIfAbsent(node, k -> new LinkedHashMap<>()).put(name, v);
        } else if (t.is(Kind.IDENT, "BO_")) {
            next();
            long id = integer("the message id");
            AttributeValue v = attributeValue();
            messageAttributes.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(name, v);
        } else if (t.is(Kind.IDENT, "SG_")) {
            next();
            long id = integer("the message id");
            String signal = expectIdent("the signal name").text();
            AttributeValue v = attributeValue();
            signalAttributes
                    .computeIfAbsent(id, k -> new HashMap<>())
                    .computeIfAbsent(signal, k -> new LinkedHashMap<>())
                    .put(name, v);
        } else if (t.is(Kind.IDENT, "EV_")) {
            next();
            expectIdent("the environment variable name");
            attributeValue();
        } else {
            networkAttributes.put(name, attributeValue());
        }
        expectPunct(';', "';' at the end of the attribute");
    }

    private AttributeValue attributeValue() {
        Token t = peek();
        if (t.kind() == Kind.STRING) {
            return new AttributeValue.Text(next().text());
        }
        if (t.kind() == Kind.NUMBER || t.isPunct('-') || t.isPunct('+')) {
            return new AttributeValue.Number(decimal("the attribute value"));
        }
        throw error(t, "expected the attribute value (a number or a string)");
    }

    private void valueDescriptions() {
        next();
        Token t = peek();
        if (t.kind() == Kind.IDENT) {
            // VAL_ of an environment variable: no signal to attach it to.
            next();
            valuePairs();
            expectPunct(';', "';' at the end of the value descriptions");
            return;
        }
        long id = integer("the message id (or an environment variable name) after VAL_");
        String signal = expectIdent("the signal name after the message id").text();
        LinkedHashMap<Long, String> pairs = valuePairs();
        expectPunct(';', "';' at the end of the value descriptions");
        choices.computeIfAbsent(id, k -> new HashMap<>()).put(signal, pairs);
    }

    private void valueTable() {
        next();
        String name = expectIdent("the table name after VAL_TABLE_").text();
        LinkedHashMap<Long, String> pairs = valuePairs();
        expectPunct(';', "';' at the end of the value table");
        valueTables.put(name, ValueTable.of(pairs));
    }

    private LinkedHashMap<Long, String> valuePairs() {
        LinkedHashMap<Long, String> pairs = new LinkedHashMap<>();
        while (peek().kind() == Kind.NUMBER || peek().isPunct('-') || peek().isPunct('+')) {
            long value = integer("a raw value");
            pairs.put(value, expectString("the description string of the value").text());
        }
        return pairs;
    }

    private void signalValueType() {
        next();
        long id = integer("the message id after SIG_VALTYPE_");
        String signal = expectIdent("the signal name").text();
        acceptPunct(':');
        Token type = peek();
        long code = integer("the value type (0 = integer, 1 = float, 2 = double)");
        if (code < 0 || code > 2) {
            throw problemAt(
                    type,
                    "expected value type 0 (integer), 1 (32-bit float) or 2 (64-bit double), found " + type.text());
        }
        expectPunct(';', "';' at the end of SIG_VALTYPE_");
        signalTypes.computeIfAbsent(id, k -> new HashMap<>()).put(signal, type);
    }

    private void multiplexerValues() {
        next();
        long id = integer("the message id after SG_MUL_VAL_");
        String signal = expectIdent("the multiplexed signal name").text();
        String mux = expectIdent("the multiplexer signal name").text();
        List<Long> ids = new ArrayList<>();
        do {
            Token lowToken = peek();
            long low = integer("the first multiplexer value of a range");
            expectPunct('-', "'-' between the first and last value of a multiplexer range");
            long high = integer("the last multiplexer value of a range");
            if (high < low || high - low > 65535) {
                throw error(lowToken, "expected a multiplexer range low-high with low <= high (at most 65536 values)");
            }
            for (long v = low; v <= high; v++) {
                ids.add(v);
            }
        } while (acceptPunct(','));
        expectPunct(';', "';' at the end of SG_MUL_VAL_");
        muxValues
                .computeIfAbsent(id, k -> new LinkedHashMap<>())
                .computeIfAbsent(mux, k -> new LinkedHashMap<>())
                .put(signal, ids);
    }

    private void transmitters() {
        next();
        long id = integer("the message id after BO_TX_BU_");
        expectPunct(':', "':' after the message id");
        List<String> senders = extraSenders.computeIfAbsent(id, k -> new ArrayList<>());
        while (peek().kind() == Kind.IDENT) {
            senders.add(next().text());
            if (!acceptPunct(',')) {
                break;
            }
        }
        expectPunct(';', "';' at the end of BO_TX_BU_");
    }

    private void signalGroup() {
        next();
        long id = integer("the message id after SIG_GROUP_");
        String name = expectIdent("the signal group name").text();
        long repetitions = integer("the repetitions of the signal group");
        expectPunct(':', "':' before the signals of the group");
        List<String> members = new ArrayList<>();
        while (peek().kind() == Kind.IDENT) {
            members.add(next().text());
            acceptPunct(',');
        }
        expectPunct(';', "';' at the end of SIG_GROUP_");
        signalGroups.computeIfAbsent(id, k -> new ArrayList<>()).add(new SignalGroup(name, (int) repetitions, members));
    }

    private void environmentVariable() {
        next();
        envVarNames.add(expectIdent("the environment variable name after EV_").text());
        expectPunct(':', "':' after the environment variable name");
        skipToSemicolon();
    }

    /** An unknown or uninteresting statement: up to its semicolon, or up to the next statement keyword. */
    private void skipStatement() {
        Token start = next();
        LOG.debug("{}:{}: skipping {} statement", source, start.line(), start.text());
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.EOF) {
                return;
            }
            if (t.isPunct(';')) {
                next();
                return;
            }
            if (t.kind() == Kind.IDENT && t.firstOnLine() && KEYWORDS.contains(t.text())) {
                return;
            }
            next();
        }
    }

    private void skipToSemicolon() {
        while (true) {
            Token t = next();
            if (t.isPunct(';')) {
                return;
            }
            if (t.kind() == Kind.EOF) {
                throw error(t, "expected ';' at the end of the statement");
            }
        }
    }

    // ------------------------------------------------------------------ assembly

    private Dbc assemble() {
        for (Map.Entry<String, AttributeValue> d : defaults.entrySet()) {
            AttributeDefinition def = definitions.get(d.getKey());
            if (def != null) {
                definitions.put(d.getKey(), def.withDefault(d.getValue()));
            }
        }
        List<DbcNode> nodes = new ArrayList<>();
        for (String n : nodeNames) {
            nodes.add(new DbcNode(n, nodeComments.get(n), nodeAttributes.getOrDefault(n, Map.of())));
        }
        List<DbcMessage> built = new ArrayList<>();
        Map<Long, String> seen = new HashMap<>();
        for (MessageBuilder m : messages) {
            String previous = seen.put(m.dbcId, m.name);
            if (previous != null) {
                LOG.warn(
                        "{}: message id {} is defined twice ({} and {}); the later one wins",
                        source,
                        m.dbcId,
                        previous,
                        m.name);
            }
            built.add(buildMessage(m));
        }
        List<EnvironmentVariable> envVars = new ArrayList<>();
        for (String ev : envVarNames) {
            envVars.add(new EnvironmentVariable(ev, envVarComments.get(ev)));
        }
        return new Dbc(version, networkComment, nodes, built, valueTables, definitions, networkAttributes, envVars);
    }

    private DbcMessage buildMessage(MessageBuilder m) {
        Map<String, AttributeValue> attrs = messageAttributes.getOrDefault(m.dbcId, Map.of());
        List<String> senders = new ArrayList<>();
        if (!m.sender.equals(NO_NODE)) {
            senders.add(m.sender);
        }
        for (String s : extraSenders.getOrDefault(m.dbcId, List.of())) {
            if (!senders.contains(s) && !s.equals(NO_NODE)) {
                senders.add(s);
            }
        }

        // cantools: exactly one 'M' signal makes simple multiplexing; several leave it to SG_MUL_VAL_.
        String messageMux = null;
        int muxCount = 0;
        for (SignalBuilder s : m.signals) {
            if (s.marker != null && s.marker.endsWith("M")) {
                muxCount++;
                messageMux = s.name;
            }
        }
        if (muxCount != 1) {
            messageMux = null;
        }
        Map<String, Map<String, List<Long>>> frameMux = muxValues.getOrDefault(m.dbcId, Map.of());
        Map<String, String> muxOfSignal = new HashMap<>();
        for (Map.Entry<String, Map<String, List<Long>>> e : frameMux.entrySet()) {
            for (String signalName : e.getValue().keySet()) {
                muxOfSignal.put(signalName, e.getKey());
            }
        }

        // Long names (SystemSignalLongSymbol) replace the short ones, consistently for multiplexer references.
        Map<String, String> longNames = new HashMap<>();
        for (SignalBuilder s : m.signals) {
            longNames.put(s.name, longName(signalAttr(m.dbcId, s.name), "SystemSignalLongSymbol", s.name));
        }

        List<DbcSignal> signals = new ArrayList<>();
        for (SignalBuilder s : m.signals) {
            String muxName = null;
            if (s.marker != null) {
                if (messageMux == null) {
                    muxName = muxOfSignal.get(s.name);
                } else if (!s.name.equals(messageMux)) {
                    muxName = messageMux;
                }
            }
            TreeSet<Long> ids = new TreeSet<>();
            if (muxName != null) {
                if (messageMux != null && !s.marker.endsWith("M")) {
                    ids.add(Long.parseLong(s.marker.substring(1)));
                }
                List<Long> extra = frameMux.getOrDefault(muxName, Map.of()).get(s.name);
                if (extra != null) {
                    ids.addAll(extra);
                }
            }
            SignalValueType valueType = SignalValueType.INTEGER;
            Token typeToken = signalTypes.getOrDefault(m.dbcId, Map.of()).get(s.name);
            if (typeToken != null && !typeToken.text().equals("0")) {
                valueType = SignalValueType.IEEE_FLOAT;
                if (s.length != 16 && s.length != 32 && s.length != 64) {
                    throw problemAt(
                            typeToken,
                            "signal '" + s.name + "' of message '" + m.name + "' is " + s.length
                                    + " bits long; a float signal must be 32 (or 64, or 16) bits long");
                }
            }
            LinkedHashMap<Long, String> table =
                    choices.getOrDefault(m.dbcId, Map.of()).get(s.name);
            boolean noRange = s.min == 0 && s.max == 0;
            signals.add(new DbcSignal(
                    longNames.get(s.name),
                    s.start,
                    s.length,
                    s.byteOrder,
                    s.signed,
                    valueType,
                    s.factor,
                    s.offset,
                    s.factorIsInteger,
                    noRange ? null : s.min,
                    noRange ? null : s.max,
                    s.unit.isEmpty() ? null : s.unit,
                    s.receivers,
                    s.marker != null && s.marker.endsWith("M"),
                    muxName == null ? null : longNames.getOrDefault(muxName, muxName),
                    muxName == null ? List.of() : new ArrayList<>(ids),
                    table == null ? ValueTable.empty() : ValueTable.of(table),
                    signalComments.getOrDefault(m.dbcId, Map.of()).get(s.name),
                    signalAttr(m.dbcId, s.name)));
        }

        String frameFormat = frameFormat(attrs);
        return new DbcMessage(
                (int) (m.dbcId & 0x7FFFFFFFL),
                (m.dbcId & 0x80000000L) != 0,
                longName(attrs, "SystemMessageLongSymbol", m.name),
                m.length,
                senders,
                signals,
                messageComments.get(m.dbcId),
                attrs,
                cycleTime(attrs),
                frameFormat,
                frameFormat != null && frameFormat.endsWith("CAN_FD"),
                signalGroups.getOrDefault(m.dbcId, List.of()));
    }

    private Map<String, AttributeValue> signalAttr(long dbcId, String signal) {
        return signalAttributes.getOrDefault(dbcId, Map.of()).getOrDefault(signal, Map.of());
    }

    private static String longName(Map<String, AttributeValue> attrs, String attribute, String shortName) {
        AttributeValue v = attrs.get(attribute);
        return v == null || v.asText().isEmpty() ? shortName : v.asText();
    }

    private Integer cycleTime(Map<String, AttributeValue> attrs) {
        AttributeDefinition def = definitions.get("GenMsgCycleTime");
        if (def == null) {
            return null;
        }
        AttributeValue v = attrs.get("GenMsgCycleTime");
        if (v == null) {
            v = def.defaultValue();
        }
        if (!(v instanceof AttributeValue.Number n)) {
            return null;
        }
        int ms = n.value().intValue();
        return ms == 0 ? null : ms;
    }

    private String frameFormat(Map<String, AttributeValue> attrs) {
        AttributeDefinition def = definitions.get("VFrameFormat");
        if (def == null) {
            return null;
        }
        List<String> labels = def.type() == AttributeType.ENUM ? def.enumLabels() : DEFAULT_FRAME_FORMATS;
        AttributeDefinition asEnum = new AttributeDefinition(
                def.name(), def.objectType(), AttributeType.ENUM, null, null, labels, def.defaultValue());
        AttributeValue v = attrs.get("VFrameFormat");
        if (v == null) {
            v = def.defaultValue();
        }
        return v == null ? null : asEnum.enumLabel(v).orElse(null);
    }

    // ------------------------------------------------------------------ token helpers

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.EOF) {
            pos++;
        }
        return t;
    }

    private boolean acceptPunct(char c) {
        if (peek().isPunct(c)) {
            next();
            return true;
        }
        return false;
    }

    private void expectPunct(char c, String what) {
        Token t = peek();
        if (!t.isPunct(c)) {
            throw error(t, "expected " + what);
        }
        next();
    }

    private Token expectIdent(String what) {
        Token t = peek();
        if (t.kind() != Kind.IDENT) {
            throw error(t, "expected " + what);
        }
        return next();
    }

    private Token expectString(String what) {
        Token t = peek();
        if (t.kind() != Kind.STRING) {
            throw error(t, "expected " + what);
        }
        return next();
    }

    /** An integer with an optional sign; values up to 2^64 - 1 wrap into a long's two's complement. */
    private long integer(String what) {
        Token first = peek();
        boolean negative = false;
        if (first.isPunct('-') || first.isPunct('+')) {
            negative = first.isPunct('-');
            next();
        }
        Token t = peek();
        if (t.kind() != Kind.NUMBER
                || t.text().contains(".")
                || (!isHex(t.text()) && t.text().matches(".*[eE].*"))) {
            throw error(t, "expected " + what + " (an integer)");
        }
        next();
        BigInteger v = isHex(t.text()) ? new BigInteger(t.text().substring(2), 16) : new BigInteger(t.text());
        if (negative) {
            v = v.negate();
        }
        if (v.compareTo(TWO_TO_64) >= 0 || v.compareTo(BigInteger.valueOf(Long.MIN_VALUE)) < 0) {
            throw problemAt(first, "expected " + what + " within 64 bits, found " + v);
        }
        return v.longValue();
    }

    private double real(String what) {
        return decimal(what).doubleValue();
    }

    private BigDecimal decimal(String what) {
        Token first = peek();
        boolean negative = false;
        if (first.isPunct('-') || first.isPunct('+')) {
            negative = first.isPunct('-');
            next();
        }
        Token t = peek();
        if (t.kind() != Kind.NUMBER) {
            throw error(t, "expected " + what + " (a number)");
        }
        next();
        BigDecimal v =
                isHex(t.text()) ? new BigDecimal(new BigInteger(t.text().substring(2), 16)) : new BigDecimal(t.text());
        return negative ? v.negate() : v;
    }

    private static boolean isHex(String text) {
        return text.length() > 2 && text.charAt(0) == '0' && (text.charAt(1) == 'x' || text.charAt(1) == 'X');
    }

    private DbcParseException problemAt(Token at, String problem) {
        return new DbcParseException(source, at.line(), at.column(), problem);
    }

    private DbcParseException error(Token at, String expected) {
        return new DbcParseException(source, at.line(), at.column(), expected + ", found " + at.describe());
    }

    // ------------------------------------------------------------------ builders

    private static final class MessageBuilder {
        final long dbcId;
        final String name;
        final int length;
        final String sender;
        final List<SignalBuilder> signals = new ArrayList<>();

        /** Vector's placeholder message for signals that no message carries. */
        boolean independent() {
            return name.equals("VECTOR__INDEPENDENT_SIG_MSG");
        }

        MessageBuilder(long dbcId, String name, int length, String sender) {
            this.dbcId = dbcId;
            this.name = name;
            this.length = length;
            this.sender = sender;
        }
    }

    private record SignalBuilder(
            String name,
            String marker,
            int start,
            int length,
            ByteOrder byteOrder,
            boolean signed,
            double factor,
            double offset,
            boolean factorIsInteger,
            double min,
            double max,
            String unit,
            List<String> receivers) {}
}
