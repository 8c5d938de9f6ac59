package io.fieldline.app.imports;

/** A file that cannot be imported at all (no date column, no metric): nothing of it is published. */
public final class CsvImportException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CsvImportException(String message) {
        super(message);
    }
}
