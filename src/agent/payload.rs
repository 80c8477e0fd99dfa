//! Reading an agent's hook payload (to be written).
