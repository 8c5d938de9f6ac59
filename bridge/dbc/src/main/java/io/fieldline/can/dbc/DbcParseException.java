package io.fieldline.can.dbc;

/**
 * A DBC file that cannot be read: where (1-based line and column) and what was expected there.
 */
public final class DbcParseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String problem;

    /**
     * @param source  file name or other label of the input, for the message
     * @param line    1-based line
     * @param column  1-based column (characters; a tab counts as one)
     * @param problem what was expected and what was found
     */
    public DbcParseException(String source, int line, int column, String problem) {
        super(source + ":" + line + ":" + column + ": " + problem);
        this.source = source;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    /** Label of the input. */
    public String source() {
        return source;
    }

    /** 1-based line of the problem. */
    public int line() {
        return line;
    }

    /** 1-based column of the problem. */
    public int column() {
        return column;
    }

    /** The problem without the position. */
    public String problem() {
        return problem;
    }
}
