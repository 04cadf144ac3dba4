-- Seed catalog: the six packages sold by the system this replaces (PLN, grosz), plus one bundle.
INSERT INTO packages (slug, title, description, category, price_amount, original_price_amount, currency, featured) VALUES
  ('biuro-autopilot', 'Pakiet wdrożeniowy: obsługa biurowa', 'Automatyzacja codziennej pracy biura: poczta, dokumenty, kalendarz.', 'Operacje', 6900, 14900, 'PLN', true),
  ('chatbot-rag', 'Pakiet wdrożeniowy: chatbot RAG', 'Chatbot odpowiadający na pytania klientów na podstawie Twojej bazy wiedzy.', 'Obsługa klienta', 14900, 24900, 'PLN', true),
  ('sales-automation', 'Pakiet wdrożeniowy: automatyzacja sprzedaży', 'Lejki, follow-upy i CRM, które pracują za Ciebie.', 'Sprzedaż', 49700, NULL, 'PLN', false),
  ('content-creator', 'Pakiet wdrożeniowy: twórca treści AI', 'Planowanie, pisanie i publikacja treści z pomocą AI.', 'Marketing', 49700, NULL, 'PLN', false),
  ('devops-autopilot', 'Pakiet wdrożeniowy: AI DevOps Autopilot', 'Monitoring, wdrożenia i reakcja na incydenty wspierane przez AI.', 'Inżynieria', 59700, NULL, 'PLN', false),
  ('social-media', 'Pakiet wdrożeniowy: social media', 'Harmonogram publikacji i analityka mediów społecznościowych.', 'Marketing', 39700, NULL, 'PLN', false);

INSERT INTO packages (slug, title, description, category, price_amount, original_price_amount, currency, featured, is_bundle) VALUES
  ('marketing-ai-bundle', 'Pakiet Marketing AI: treści + social media', 'Dwa pakiety marketingowe w jednym zakupie: twórca treści AI i social media.', 'Marketing', 74900, 89400, 'PLN', true, true);

INSERT INTO bundle_items (bundle_id, child_id, position)
SELECT b.id, c.id, v.position
FROM (VALUES ('content-creator', 1), ('social-media', 2)) AS v (slug, position)
JOIN packages c ON c.slug = v.slug
CROSS JOIN packages b
WHERE b.slug = 'marketing-ai-bundle';
