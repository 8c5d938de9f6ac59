package io.fieldline.app.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An error answer of the API, as RFC 9457 problem details ({@code application/problem+json}): {@code type},
 * {@code title}, {@code status}, {@code detail}, and for validation errors an {@code errors} list naming each
 * field by a JSON pointer into the request ({@code /readings/3/value}) or by the query parameter's name.
 * Thrown by handlers; the server renders it.
 */
public final class ApiProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Base of the problem type URIs; each type is documented in docs/api.md. */
    public static final String TYPE_BASE = "urn:fieldline:problem:";

    /**
     * One invalid field.
     *
     * @param pointer JSON pointer into the body ({@code /readings/0/deviceId}), or {@code ?name} for a query
     *                parameter
     * @param detail  what is wrong with it
     */
    public record FieldError(String pointer, String detail) {}

    private final int status;
    private final String type;
    private final String title;
    private final transient List<FieldError> errors;

    public ApiProblem(int status, String type, String title, String detail, List<FieldError> errors) {
        super(detail);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.title = Objects.requireNonNull(title, "title");
        this.errors = List.copyOf(errors);
    }

    public ApiProblem(int status, String type, String title, String detail) {
        this(status, type, title, detail, List.of());
    }

    /** 400: the request is invalid; {@code errors} name the fields. */
    public static ApiProblem invalid(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).pointer() + ": " + errors.get(0).detail()
                : errors.size() + " invalid fields, the first " + errors.get(0).pointer() + ": "
                        + errors.get(0).detail();
        return new ApiProblem(400, "validation", "Invalid request", detail, errors);
    }

    /** 400 for one field or query parameter. */
    public static ApiProblem invalid(String pointer, String detail) {
        return invalid(List.of(new FieldError(pointer, detail)));
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "not-found", "Not found", detail);
    }

    public static ApiProblem unavailable(String detail) {
        return new ApiProblem(503, "unavailable", "Service unavailable", detail);
    }

    public int status() {
        return status;
    }

    /** The full type URI. */
    public String type() {
        return TYPE_BASE + type;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** The problem document, for {@code instance} the request path. */
    public Map<String, Object> document(String instance) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", type());
        doc.put("title", title);
        doc.put("status", status);
        doc.put("detail", getMessage());
        doc.put("instance", instance);
        if (!errors.isEmpty()) {
            doc.put(
                    "errors",
                    errors.stream()
                            .map(e -> Map.of("pointer", e.pointer(), "detail", e.detail()))
                            .toList());
        }
        return doc;
    }
}
