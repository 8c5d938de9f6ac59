package io.fieldline.can.dbc;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A value of a DBC attribute ({@code BA_}, {@code BA_DEF_DEF_}): a number or a string, as written in the file.
 * ENUM attributes are numbers (the index of the label) in {@code BA_} and usually strings (the label) in
 * {@code BA_DEF_DEF_}; {@link AttributeDefinition#enumLabel(AttributeValue)} resolves both.
 */
public sealed interface AttributeValue permits AttributeValue.Number, AttributeValue.Text {

    /** The value as text: the string, or the number in plain notation. */
    String asText();

    /** A numeric value. */
    record Number(BigDecimal value) implements AttributeValue {
        public Number {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String asText() {
            return value.stripTrailingZeros().scale() <= 0
                    ? value.toBigInteger().toString()
                    : value.toPlainString();
        }
    }

    /** A string value. */
    record Text(String value) implements AttributeValue {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String asText() {
            return value;
        }
    }
}
