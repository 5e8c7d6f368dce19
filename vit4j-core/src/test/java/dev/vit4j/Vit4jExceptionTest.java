package dev.vit4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class Vit4jExceptionTest {
    @Test
    void parametersAreSpelledByTheFrontEndAndTheUsersWordsAreLeftAlone() {
        Vit4jException e = Vit4jException.naming("unknown model '%s' (see {registeredModels}; %s)", "{x}_%s", 3);
        assertEquals("unknown model '{x}_%s' (see registeredModels; 3)", e.getMessage());
        assertEquals(
                "unknown model '{x}_%s' (see `vit4j models`; 3)",
                e.describe(name -> name.equals("registeredModels") ? "`vit4j models`" : "--" + name));
        assertEquals("plain {text}", new Vit4jException("plain {text}").getMessage());
    }
}
