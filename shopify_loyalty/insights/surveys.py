"""Satisfaction over the five levels and the net promoter score, from post-purchase surveys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.shops.models import Shop
from shopify_loyalty.surveys.models import SATISFACTION_LEVELS, SurveyResponse


@dataclass(frozen=True)
class SurveyAnswers:
    satisfaction: dict[str, int]
    scores: list[int]


def survey_answers(session: Session, shop: Shop, start: datetime, end: datetime) -> SurveyAnswers:
    """Answers given in ``[start, end)``: a count per satisfaction level, and every score."""
    counts = dict.fromkeys(SATISFACTION_LEVELS, 0)
    scores: list[int] = []
    rows = session.execute(
        select(SurveyResponse.satisfaction, SurveyResponse.recommendation_score).where(
            SurveyResponse.shop_id == shop.id,
            SurveyResponse.created_at >= start,
            SurveyResponse.created_at < end,
        )
    )
    for level, score in rows:
        if level in counts:
            counts[level] += 1
        scores.append(int(score))
    return SurveyAnswers(counts, scores)
