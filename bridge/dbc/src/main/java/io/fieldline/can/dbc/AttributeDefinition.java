package io.fieldline.can.dbc;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code BA_DEF_} line, with its default from {@code BA_DEF_DEF_}.
 *
 * @param name         attribute name, for example {@code GenMsgCycleTime}
 * @param objectType   what the attribute applies to
 * @param type         value type
 * @param minimum      lower bound for INT, HEX and FLOAT, else null
 * @param maximum      upper bound for INT, HEX and FLOAT, else null
 * @param enumLabels   labels of an ENUM, in index order; empty otherwise
 * @param defaultValue the {@code BA_DEF_DEF_} value, or null when the file gives none
 */
public record AttributeDefinition(
        String name,
        AttributeObjectType objectType,
        AttributeType type,
        BigDecimal minimum,
        BigDecimal maximum,
        List<String> enumLabels,
        AttributeValue defaultValue) {

    public AttributeDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(objectType, "objectType");
        Objects.requireNonNull(type, "type");
        enumLabels = List.copyOf(enumLabels);
    }

    /** This definition with another default. */
    public AttributeDefinition withDefault(AttributeValue value) {
        return new AttributeDefinition(name, objectType, type, minimum, maximum, enumLabels, value);
    }

    /**
     * The label an ENUM value stands for: a number is an index into {@link #enumLabels()}, a string is taken
     * as the label itself. Empty for non-ENUM definitions or an index out of range.
     */
    public Optional<String> enumLabel(AttributeValue value) {
        if (type != AttributeType.ENUM || value == null) {
            return Optional.empty();
        }
        if (value instanceof AttributeValue.Text text) {
            return Optional.of(text.value());
        }
        BigDecimal index = ((AttributeValue.Number) value).value();
        try {
            int i = index.intValueExact();
            return i >= 0 && i < enumLabels.size() ? Optional.of(enumLabels.get(i)) : Optional.empty();
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }
}
