//! Writing an agent's hook configuration (to be written).
