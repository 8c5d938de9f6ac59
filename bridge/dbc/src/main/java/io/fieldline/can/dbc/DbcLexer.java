package io.fieldline.can.dbc;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits DBC text into tokens. Signs are separate punctuation tokens: the parser joins them to numbers where
 * a number is expected, which keeps {@code @1+}, {@code (1,-40)} and {@code SG_MUL_VAL_} ranges like
 * {@code 2-5} unambiguous.
 */
final class DbcLexer {

    enum Kind {
        IDENT,
        NUMBER,
        STRING,
        PUNCT,
        EOF
    }

    record Token(Kind kind, String text, int line, int column, boolean firstOnLine) {

        boolean is(Kind k, String t) {
            return kind == k && text.equals(t);
        }

        boolean isPunct(char c) {
            return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == c;
        }

        String describe() {
            return switch (kind) {
                case EOF -> "end of file";
                case STRING -> "string \"" + abbreviate(text) + "\"";
                case NUMBER -> "number " + text;
                case IDENT -> "'" + abbreviate(text) + "'";
                case PUNCT -> "'" + text + "'";
            };
        }

        private static String abbreviate(String s) {
            String flat = s.replace('\n', ' ').replace('\r', ' ');
            return flat.length() > 40 ? flat.substring(0, 37) + "..." : flat;
        }
    }

    private final String source;
    private final String text;
    private int pos;
    private int line = 1;
    private int lineStart;
    /** Line on which the previous token ended (strings may span lines). */
    private int lastTokenEndLine;

    DbcLexer(String source, String text) {
        this.source = source;
        this.text = text;
    }

    List<Token> tokenize() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipSpaceAndComments();
            if (pos >= text.length()) {
                tokens.add(new Token(Kind.EOF, "", line, pos - lineStart + 1, true));
                return tokens;
            }
            tokens.add(next(line != lastTokenEndLine));
            lastTokenEndLine = line;
        }
    }

    private void skipSpaceAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                pos++;
                newLine();
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u00A0' || c == '\uFEFF') {
                pos++;
            } else if (c == '/' && pos + 1 < text.length() && text.charAt(pos + 1) == '/') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private void newLine() {
        line++;
        lineStart = pos;
    }

    private Token next(boolean first) {
        int startLine = line;
        int startColumn = pos - lineStart + 1;
        char c = text.charAt(pos);
        if (c == '"') {
            return string(startLine, startColumn, first);
        }
        if (isDigit(c) || (c == '.' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1)))) {
            return number(startLine, startColumn, first);
        }
        if (isIdentStart(c)) {
            int start = pos;
            while (pos < text.length() && isIdentPart(text.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.IDENT, text.substring(start, pos), startLine, startColumn, first);
        }
        if (":;|@()[],+-".indexOf(c) >= 0) {
            pos++;
            return new Token(Kind.PUNCT, String.valueOf(c), startLine, startColumn, first);
        }
        throw new DbcParseException(source, startLine, startColumn, "unexpected character '" + c + "'");
    }

    private Token string(int startLine, int startColumn, boolean first) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\\' && pos + 1 < text.length() && (text.charAt(pos + 1) == '"' || text.charAt(pos + 1) == '\\')) {
                sb.append(text.charAt(pos + 1));
                pos += 2;
            } else if (c == '"') {
                pos++;
                return new Token(Kind.STRING, sb.toString(), startLine, startColumn, first);
            } else {
                // Comments run over several lines; keep their line breaks as \n whatever the file used.
                if (c == '\n') {
                    pos++;
                    newLine();
                    sb.append('\n');
                    continue;
                }
                if (c != '\r') {
                    sb.append(c);
                }
                pos++;
            }
        }
        throw new DbcParseException(
                source, startLine, startColumn, "expected a closing '\"' for this string, found end of file");
    }

    private Token number(int startLine, int startColumn, boolean first) {
        int start = pos;
        if (text.charAt(pos) == '0'
                && pos + 1 < text.length()
                && (text.charAt(pos + 1) == 'x' || text.charAt(pos + 1) == 'X')
                && pos + 2 < text.length()
                && isHexDigit(text.charAt(pos + 2))) {
            pos += 2;
            while (pos < text.length() && isHexDigit(text.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.NUMBER, text.substring(start, pos), startLine, startColumn, first);
        }
        while (pos < text.length() && isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) == '.') {
            pos++;
            while (pos < text.length() && isDigit(text.charAt(pos))) {
                pos++;
            }
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < text.length() && isDigit(text.charAt(pos))) {
                while (pos < text.length() && isDigit(text.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = save;
            }
        }
        if (pos < text.length() && isIdentPart(text.charAt(pos))) {
            // A name that starts with a digit (seen in the wild for nodes and signals): one identifier.
            while (pos < text.length() && isIdentPart(text.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.IDENT, text.substring(start, pos), startLine, startColumn, first);
        }
        return new Token(Kind.NUMBER, text.substring(start, pos), startLine, startColumn, first);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isIdentStart(char c) {
        return c == '_' || Character.isLetter(c);
    }

    private static boolean isIdentPart(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }
}
