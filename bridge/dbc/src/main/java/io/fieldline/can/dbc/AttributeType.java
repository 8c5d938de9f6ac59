package io.fieldline.can.dbc;

/** Value type of an attribute definition. */
public enum AttributeType {
    INT,
    HEX,
    FLOAT,
    STRING,
    ENUM
}
