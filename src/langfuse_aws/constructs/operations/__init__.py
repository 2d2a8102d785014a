"""Operations constructs."""
